//! The EVM referee: the deployed contracts on a recording chain, a challenge started
//! and moves applied from each party's address.

use super::*;

/// The deployed contracts refereeing a Classic game, on a chain that records every
/// transaction.
pub struct EvmReferee {
    pub(super) chain: Chain,
    pub(super) deployed: Deployed,
    pub(super) tester: [u8; 20],
    pub(super) challenge: Option<[u8; 20]>,
}

impl std::fmt::Debug for EvmReferee {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EvmReferee")
            .field("deployed", &self.deployed)
            .field("tester", &self.tester)
            .field("challenge", &self.challenge)
            .finish_non_exhaustive()
    }
}

impl EvmReferee {
    /// An empty chain under `hardfork` with, in block 1 (timestamp 1), sent by
    /// [`OWNER`]: the three one-step verifiers, Bridge, SequencerInbox, RollupMock and
    /// `ChallengeTester([OneStepProof, OneStepProof2, OneStepProofHash])` deployed; the
    /// Bridge initialized with [`DELAYED_INBOX`] allowed; the SequencerInbox
    /// initialized with the Bridge, [`SEQUENCER`] and the RollupMock.
    pub fn new(
        contracts: &ClassicContracts,
        hardfork: Hardfork,
    ) -> Result<EvmReferee, ChallengeError> {
        let mut chain = Chain::new(hardfork);
        chain.set_block(1, 1).map_err(ChallengeError::Block)?;
        let mut referee = EvmReferee {
            chain,
            deployed: Deployed {
                one_step_proof: [0; 20],
                one_step_proof2: [0; 20],
                one_step_proof_hash: [0; 20],
                bridge: [0; 20],
                sequencer_inbox: [0; 20],
                rollup_mock: [0; 20],
            },
            tester: [0; 20],
            challenge: None,
        };
        let one_step_proof = referee.create(&contracts.one_step_proof, &[])?;
        let one_step_proof2 = referee.create(&contracts.one_step_proof2, &[])?;
        let one_step_proof_hash = referee.create(&contracts.one_step_proof_hash, &[])?;
        let bridge = referee.create(&contracts.bridge, &[])?;
        let sequencer_inbox = referee.create(&contracts.sequencer_inbox, &[])?;
        let rollup_mock = referee.create(&contracts.rollup_mock, &[])?;
        referee.deployed = Deployed {
            one_step_proof,
            one_step_proof2,
            one_step_proof_hash,
            bridge,
            sequencer_inbox,
            rollup_mock,
        };
        let args = tester_args([one_step_proof, one_step_proof2, one_step_proof_hash]);
        referee.tester = referee.create(&contracts.challenge_tester, &args)?;
        referee.must(
            OWNER,
            bridge,
            "Bridge.initialize",
            abi::encode_call(BRIDGE_INITIALIZE, &[]),
            0,
        )?;
        referee.must(
            OWNER,
            bridge,
            "Bridge.setInbox",
            abi::encode_call(
                BRIDGE_SET_INBOX,
                &[
                    Token::Word(abi::address(DELAYED_INBOX)),
                    Token::Word(abi::boolean(true)),
                ],
            ),
            0,
        )?;
        referee.must(
            OWNER,
            sequencer_inbox,
            "SequencerInbox.initialize",
            abi::encode_call(
                SEQ_INITIALIZE,
                &[
                    Token::Word(abi::address(bridge)),
                    Token::Word(abi::address(SEQUENCER)),
                    Token::Word(abi::address(rollup_mock)),
                ],
            ),
            0,
        )?;
        Ok(referee)
    }

    /// Deploys `contract` from [`OWNER`] with `constructor_args` (ABI-encoded)
    /// appended to its creation bytecode.
    fn create(
        &mut self,
        contract: &Contract,
        constructor_args: &[u8],
    ) -> Result<[u8; 20], ChallengeError> {
        let mut input = contract.creation_bytecode.clone();
        input.extend_from_slice(constructor_args);
        let label = format!("deploy {}", contract.name);
        let (record, _) = self.chain.send(TxRequest {
            from: OWNER,
            to: None,
            input,
            gas_price: 0,
            label: label.clone(),
        })?;
        record.created.ok_or(ChallengeError::Setup {
            label,
            reason: record.reason.unwrap_or_default(),
        })
    }

    fn must(
        &mut self,
        from: [u8; 20],
        to: [u8; 20],
        label: &str,
        input: Vec<u8>,
        gas_price: u128,
    ) -> Result<Vec<u8>, ChallengeError> {
        let (record, output) = self.chain.send(TxRequest {
            from,
            to: Some(to),
            input,
            gas_price,
            label: label.to_owned(),
        })?;
        match record.status {
            TxStatus::Ok => Ok(output),
            TxStatus::Revert => Err(ChallengeError::Setup {
                label: label.to_owned(),
                reason: record.reason.unwrap_or_default(),
            }),
        }
    }

    /// Where the verifiers, Bridge, SequencerInbox and RollupMock live.
    pub fn deployed(&self) -> Deployed {
        self.deployed
    }

    /// The ChallengeTester.
    pub fn tester(&self) -> [u8; 20] {
        self.tester
    }

    /// The Challenge, once started.
    pub fn challenge(&self) -> Option<[u8; 20]> {
        self.challenge
    }

    /// The current `(block.number, block.timestamp)`.
    pub fn block(&self) -> (u64, u64) {
        self.chain.block()
    }

    /// Every transaction so far.
    pub fn transactions(&self) -> &[TxRecord] {
        self.chain.log()
    }

    /// The address a role sends from.
    pub fn address_of(role: Role) -> [u8; 20] {
        match role {
            Role::Asserter => ASSERTER,
            Role::Challenger => CHALLENGER,
        }
    }

    /// Delivers `message` to the Bridge from [`DELAYED_INBOX`] in the message's block,
    /// at its timestamp and gas price (the Bridge records all three); its sequence
    /// number.
    pub fn deliver_message(&mut self, message: &DelayedMessage) -> Result<u64, ChallengeError> {
        self.chain
            .set_block(message.block_number, message.timestamp)
            .map_err(ChallengeError::Block)?;
        let input = abi::encode_call(
            BRIDGE_DELIVER,
            &[
                Token::Word(abi::uint64(u64::from(message.kind))),
                Token::Word(abi::address(message.sender)),
                Token::Word(keccak256(&message.data).0),
            ],
        );
        let bridge = self.deployed.bridge;
        let output = self.must(
            DELAYED_INBOX,
            bridge,
            "deliver a delayed message",
            input,
            message.gas_price,
        )?;
        abi::decode_words(&output, 1)
            .and_then(|w| w.first().and_then(abi::word_to_u64))
            .ok_or(ChallengeError::L1(L1Error::BadReturn {
                call: BRIDGE_DELIVER,
                len: output.len(),
            }))
    }

    fn view_u64(
        &mut self,
        to: [u8; 20],
        call: &'static str,
        args: &[Token],
    ) -> Result<u64, ChallengeError> {
        let word = self.chain.view_word(to, call, args)?;
        abi::word_to_u64(&word).ok_or(ChallengeError::L1(L1Error::BadReturn { call, len: 32 }))
    }

    /// Posts a sequencer batch (from [`SEQUENCER`], in the current block) holding no
    /// sequencer items that reads the delayed messages up to `total_delayed_read`,
    /// followed by the end-of-block message; the sequencer inbox's message count after.
    pub fn post_delayed_batch(&mut self, total_delayed_read: u64) -> Result<u64, ChallengeError> {
        let (seq, bridge) = (self.deployed.sequencer_inbox, self.deployed.bridge);
        let (block, timestamp) = self.chain.block();
        let batches = self.view_u64(seq, SEQ_ACCS_LENGTH, &[])?;
        let before_acc = match batches.checked_sub(1) {
            Some(last) => Hash(self.chain.view_word(
                seq,
                INBOX_ACCS,
                &[Token::Word(abi::uint64(last))],
            )?),
            None => Hash::ZERO,
        };
        let mut count = self.view_u64(seq, MESSAGE_COUNT, &[])?;
        let read = self.view_u64(seq, SEQ_DELAYED_READ, &[])?;
        let last = total_delayed_read
            .checked_sub(1)
            .filter(|_| total_delayed_read > read)
            .ok_or(ChallengeError::L1(L1Error::Invalid(format!(
                "a batch reading delayed messages up to {total_delayed_read} after {read}"
            ))))?;
        let delayed_acc = Hash(self.chain.view_word(
            bridge,
            INBOX_ACCS,
            &[Token::Word(abi::uint64(last))],
        )?);
        // SequencerInbox: the delayed messages' section, then an end-of-block message.
        let mut acc = crate::inbox::concat_hash(&[
            b"Delayed messages:",
            &before_acc.0,
            &abi::uint64(count),
            &abi::uint64(read),
            &abi::uint64(total_delayed_read),
            &delayed_acc.0,
        ]);
        count = count.saturating_add(total_delayed_read - read);
        let end_of_block =
            crate::inbox::concat_hash(&[&[0u8; 20], &abi::uint64(block), &abi::uint64(timestamp)]);
        acc = crate::inbox::concat_hash(&[
            &acc.0,
            &abi::uint64(count),
            &end_of_block.0,
            &keccak256(&[]).0,
        ]);
        count = count.saturating_add(1);
        let input = abi::encode_call(
            SEQ_ADD_BATCH,
            &[
                Token::Bytes(Vec::new()),
                Token::Words(Vec::new()),
                Token::Words(vec![
                    abi::uint64(0),
                    abi::uint64(block),
                    abi::uint64(timestamp),
                    abi::uint64(total_delayed_read),
                    delayed_acc.0,
                ]),
                Token::Word(acc.0),
            ],
        );
        self.must(SEQUENCER, seq, "post a sequencer batch", input, 0)?;
        Ok(count)
    }

    /// Delivers `messages` (each in its own block, see [`EvmReferee::deliver_message`])
    /// and posts them in one sequencer batch in the last one's block; returns our model
    /// of that inbox (whose values a party's machine reads and whose suffixes its
    /// `inbox` step proofs carry), checked against the Bridge's and the
    /// SequencerInbox's accumulators.
    pub fn feed_delayed(
        &mut self,
        messages: &[DelayedMessage],
    ) -> Result<ClassicInbox, ChallengeError> {
        let mut model = ClassicInbox::new();
        let (seq, bridge) = (self.deployed.sequencer_inbox, self.deployed.bridge);
        for m in messages {
            let index = self.deliver_message(m)?;
            let ours = model.deliver(L1Message {
                kind: m.kind,
                sender: m.sender,
                block_number: Int::from(m.block_number),
                timestamp: Int::from(m.timestamp),
                inbox_seq_num: Int::ZERO,
                gas_price: Int::from(m.gas_price),
                data: m.data.clone(),
            });
            let acc =
                self.chain
                    .view_word(bridge, INBOX_ACCS, &[Token::Word(abi::uint64(index))])?;
            let model_acc = usize::try_from(ours)
                .ok()
                .and_then(|i| model.accumulators().delayed.get(i).copied());
            if index != ours || model_acc != Some(Hash(acc)) {
                return Err(ChallengeError::Model(format!(
                    "delayed message {index} (ours {ours})"
                )));
            }
        }
        if messages.is_empty() {
            return Ok(model);
        }
        let (block_number, timestamp) = self.chain.block();
        let total = u64::try_from(messages.len()).unwrap_or(u64::MAX);
        let count = self.post_delayed_batch(total)?;
        let batch = model
            .add_batch(
                SEQUENCER,
                &[BatchSection {
                    block_number,
                    timestamp,
                    items: Vec::new(),
                    total_delayed_messages_read: total,
                }],
            )
            .map_err(|e| ChallengeError::Model(e.to_string()))?;
        let acc = self
            .chain
            .view_word(seq, INBOX_ACCS, &[Token::Word(abi::uint64(batch))])?;
        let model_acc = usize::try_from(batch)
            .ok()
            .and_then(|i| model.accumulators().batches.get(i).copied());
        if count != model.len() || model_acc != Some(Hash(acc)) {
            return Err(ChallengeError::Model(format!(
                "batch {batch}: {count} messages, ours {}",
                model.len()
            )));
        }
        Ok(model)
    }

    /// Calls `startChallenge` (from [`OWNER`], in block `block`) for [`ASSERTER`] and
    /// [`CHALLENGER`] with the bridges deployed here, and reads the new Challenge's
    /// address.
    pub fn start(
        &mut self,
        block: u64,
        execution_hash: Hash,
        max_message_count: u64,
        asserter_time_left: u64,
        challenger_time_left: u64,
    ) -> Result<[u8; 20], ChallengeError> {
        self.chain
            .advance_to(block)
            .map_err(ChallengeError::Block)?;
        let input = abi::encode_call(
            START_CHALLENGE,
            &[
                Token::Word(execution_hash.0),
                Token::Word(abi::uint64(max_message_count)),
                Token::Word(abi::address(ASSERTER)),
                Token::Word(abi::address(CHALLENGER)),
                Token::Word(abi::uint64(asserter_time_left)),
                Token::Word(abi::uint64(challenger_time_left)),
                Token::Word(abi::address(self.deployed.sequencer_inbox)),
                Token::Word(abi::address(self.deployed.bridge)),
            ],
        );
        let tester = self.tester;
        self.must(OWNER, tester, "startChallenge", input, 0)?;
        let word = self.chain.view_word(tester, TESTER_CHALLENGE, &[])?;
        let challenge = word_address(&word);
        self.challenge = Some(challenge);
        Ok(challenge)
    }

    /// Sends `mv` from `by`'s address to the Challenge in block `block` (which must
    /// not be earlier than the last); accepted or the revert reason, and its gas.
    pub fn apply(
        &mut self,
        by: Role,
        block: u64,
        mv: &ClassicMove,
    ) -> Result<EvmMove, ChallengeError> {
        let challenge = self.challenge.ok_or(ChallengeError::NotStarted)?;
        self.chain
            .advance_to(block)
            .map_err(ChallengeError::Block)?;
        let (record, _) = self.chain.send(TxRequest {
            from: Self::address_of(by),
            to: Some(challenge),
            input: encode_move(mv),
            gas_price: 0,
            label: format!("{} {}", by.name(), mv.function()),
        })?;
        let verdict = match record.status {
            TxStatus::Ok => MoveVerdict::Accepted,
            TxStatus::Revert => MoveVerdict::Reverted {
                reason: record.reason,
            },
        };
        Ok(EvmMove {
            by,
            block,
            function: mv.function(),
            verdict,
            gas_used: record.gas_used,
        })
    }

    /// The winner the tester recorded (None while the game is undecided).
    pub fn winner(&mut self) -> Result<Option<Role>, ChallengeError> {
        winner_of(&mut self.chain, self.tester, ASSERTER, CHALLENGER)
    }

    /// The game's transcript (None while undecided).
    pub fn transcript(&mut self) -> Result<Option<Transcript>, ChallengeError> {
        let (Some(challenge), Some(winner)) = (self.challenge, self.winner()?) else {
            return Ok(None);
        };
        Ok(Some(Transcript {
            hardfork: self.chain.hardfork(),
            asserter: ASSERTER,
            challenger: CHALLENGER,
            tester: self.tester,
            challenge,
            transactions: self.chain.log().to_vec(),
            winner,
        }))
    }
}
