//! The EVM referee: the challenge set on a recording referee chain, a challenge
//! started and moves applied from each party's address.

use super::*;

/// The deployed contracts refereeing a Classic game, on a chain that records every
/// transaction.
pub struct EvmReferee {
    pub(super) chain: Chain,
    pub(super) set: ChallengeSet,
    pub(super) tester: [u8; 20],
    pub(super) reader: InboxReader,
    pub(super) challenge: Option<[u8; 20]>,
    /// How each delivered message entered.
    pub(super) entries: Vec<delivery::Entry>,
}

impl std::fmt::Debug for EvmReferee {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EvmReferee")
            .field("set", &self.set)
            .field("challenge", &self.challenge)
            .finish_non_exhaustive()
    }
}

impl EvmReferee {
    /// A referee chain under `hardfork` with the challenge set and the ChallengeTester
    /// deployed and wired in block 1 (timestamp 1), sent by [`OWNER`].
    pub fn new(contracts: &Contracts, hardfork: Hardfork) -> Result<EvmReferee, ChallengeError> {
        let mut chain = Chain::embedded(EmbeddedConfig::referee(hardfork))?.record();
        chain.set_block(1, 1)?;
        let set = ChallengeSet::deploy(&mut chain, contracts, true)?;
        let tester = set.tester.ok_or_else(|| {
            ChallengeError::L1(L1Error::Invalid("no ChallengeTester was deployed".into()))
        })?;
        Ok(EvmReferee {
            chain,
            reader: InboxReader::new(set.inbox_contracts(), 0),
            set,
            tester,
            challenge: None,
            entries: Vec::new(),
        })
    }

    /// Where the verifiers, Bridge, SequencerInbox, Inbox and RollupMock live.
    pub fn deployed(&self) -> ChallengeSet {
        self.set
    }

    /// How each message delivered so far entered the L1.
    pub fn entries(&self) -> &[delivery::Entry] {
        &self.entries
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
    pub fn block(&mut self) -> (u64, u64) {
        self.chain.block().unwrap_or_default()
    }

    /// Every transaction so far.
    pub fn transactions(&self) -> &[crate::chain::TxRecord] {
        self.chain.records()
    }

    /// The chain the game is played on.
    pub fn chain(&mut self) -> &mut Chain {
        &mut self.chain
    }

    /// The address a role sends from.
    pub fn address_of(role: Role) -> [u8; 20] {
        match role {
            Role::Asserter => ASSERTER,
            Role::Challenger => CHALLENGER,
        }
    }

    /// Delivers `message` in its block, at its gas price, through the one delivery
    /// path (its entry point, or the test inbox for a message no entry point makes);
    /// its sequence number.
    pub fn deliver_message(&mut self, message: &DelayedMessage) -> Result<u64, ChallengeError> {
        self.reader.remember_data(&message.data);
        let delivered =
            delivery::deliver_at(&mut self.chain, &self.set.inbox_contracts(), message)?;
        self.entries.push(delivered.entry);
        Ok(delivered.index)
    }

    /// Posts a sequencer batch (from the sequencer, in the current block) holding no
    /// sequencer items that reads the delayed messages up to `total_delayed_read`,
    /// followed by the end-of-block message; the sequencer inbox's message count after.
    pub fn post_delayed_batch(&mut self, total_delayed_read: u64) -> Result<u64, ChallengeError> {
        let stamp = self.chain.block()?;
        let posted = delivery::post_batch(
            &mut self.chain,
            &mut self.reader,
            &delivery::stamped(
                stamp,
                &[Section {
                    items: Vec::new(),
                    total_delayed_messages_read: total_delayed_read,
                }],
            ),
        )?;
        Ok(posted.after_count)
    }

    /// Delivers `messages` (each in its own block, see [`EvmReferee::deliver_message`])
    /// and posts them in one sequencer batch in the last one's block; returns the
    /// inbox as the L1's events show it (whose values a party's machine reads and whose
    /// suffixes its `inbox` step proofs carry), its accumulators checked against the
    /// contracts' at every event.
    pub fn feed_delayed(
        &mut self,
        messages: &[DelayedMessage],
    ) -> Result<ClassicInbox, ChallengeError> {
        for (index, message) in messages.iter().enumerate() {
            self.deliver_message(message).map_err(|e| match e {
                ChallengeError::L1(refused @ (L1Error::Unpayable { .. } | L1Error::Refused(_))) => {
                    ChallengeError::Message {
                        index,
                        why: refused.to_string(),
                    }
                }
                other => other,
            })?;
        }
        if !messages.is_empty() {
            let total = self.reader.inbox().delayed_len().max(messages.len() as u64);
            self.post_delayed_batch(total)?;
        }
        self.reader.sync(&mut self.chain)?;
        Ok(self.reader.inbox().clone())
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
        self.chain.advance_to(block)?;
        let input = abi::encode_call(
            sig::START_CHALLENGE,
            &[
                Token::Word(execution_hash.0),
                Token::Word(abi::uint64(max_message_count)),
                Token::Word(abi::address(ASSERTER)),
                Token::Word(abi::address(CHALLENGER)),
                Token::Word(abi::uint64(asserter_time_left)),
                Token::Word(abi::uint64(challenger_time_left)),
                Token::Word(abi::address(self.set.sequencer_inbox)),
                Token::Word(abi::address(self.set.bridge)),
            ],
        );
        let receipt =
            self.chain
                .send(TxRequest::call(OWNER, self.tester, input, "startChallenge"))?;
        if receipt.status != TxStatus::Ok {
            return Err(ChallengeError::Setup {
                label: "startChallenge".into(),
                reason: receipt.revert.map(|r| r.to_string()).unwrap_or_default(),
            });
        }
        let challenge = self
            .chain
            .view_address(self.tester, sig::TESTER_CHALLENGE, &[])?;
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
        self.chain.advance_to(block)?;
        let receipt = self.chain.send(TxRequest::call(
            Self::address_of(by),
            challenge,
            encode_move(mv),
            format!("{} {}", by.name(), mv.function()),
        ))?;
        let verdict = match receipt.status {
            TxStatus::Ok => MoveVerdict::Accepted,
            TxStatus::Revert => MoveVerdict::Reverted {
                reason: receipt.revert.as_ref().and_then(|r| r.transcript_text()),
            },
        };
        Ok(EvmMove {
            by,
            block,
            function: mv.function(),
            verdict,
            gas_used: receipt.gas_used,
        })
    }

    /// The first block in which `timeout()` passes against the party on turn, from
    /// the Challenge's own views.
    pub fn timeout_block(&mut self) -> Result<u64, ChallengeError> {
        let challenge = self.challenge.ok_or(ChallengeError::NotStarted)?;
        let last = self.chain.view_u64(challenge, sig::LAST_MOVE_BLOCK, &[])?;
        let left = self
            .chain
            .view_u64(challenge, sig::RESPONDER_TIME_LEFT, &[])?;
        Ok(last.saturating_add(left).saturating_add(1))
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
            hardfork: self
                .chain
                .as_embedded()
                .map_or(Hardfork::London, |e| e.config().hardfork),
            asserter: ASSERTER,
            challenger: CHALLENGER,
            tester: self.tester,
            challenge,
            transactions: self.chain.records().to_vec(),
            winner,
        }))
    }
}

impl ClassicJudge for EvmReferee {
    type Verdict = EvmMove;
    type Error = ChallengeError;

    fn start(
        &mut self,
        execution_hash: Hash,
        max_message_count: u64,
        config: &GameConfig,
    ) -> Result<(), ChallengeError> {
        EvmReferee::start(
            self,
            config.start_block,
            execution_hash,
            max_message_count,
            config.asserter_time_left,
            config.challenger_time_left,
        )
        .map(|_| ())
    }

    fn apply(&mut self, by: Role, block: u64, mv: &ClassicMove) -> Result<EvmMove, ChallengeError> {
        EvmReferee::apply(self, by, block, mv)
    }

    fn accepted(verdict: &EvmMove) -> bool {
        verdict.verdict.is_accepted()
    }

    fn timeout_block(&mut self) -> Result<u64, ChallengeError> {
        EvmReferee::timeout_block(self)
    }

    fn winner(&mut self) -> Result<Option<Role>, ChallengeError> {
        EvmReferee::winner(self)
    }

    fn undecided(why: String) -> ChallengeError {
        ChallengeError::Setup {
            label: "the game".into(),
            reason: why,
        }
    }
}
