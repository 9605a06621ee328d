//! The Classic challenge refereed by the deployed contracts: `ChallengeTester` (which
//! deploys a ChallengeFactory and its beacon-proxy Challenges) over the three one-step
//! verifiers, with Bridge and SequencerInbox for the inbox. Every transaction runs on a
//! recording chain, so a game yields its [`Transcript`].
//!
//! - [`ClassicContracts::load`] reads the fixture contracts a game deploys.
//! - [`EvmReferee`] deploys and wires them, delivers messages
//!   ([`EvmReferee::feed_delayed`] also returns our model of the inbox, checked against
//!   the bridges), starts a challenge and applies [`ClassicMove`]s, each sent from the
//!   party's own address in its block; the verdict is read from the tester's
//!   `winner()`. [`EvmReferee::play`] plays a whole game with the contract as the
//!   authority (and the native referee's verdicts beside it).
//! - [`WithInboxSuffix`] gives a party's `inbox` step proofs their L1 inbox suffix.
//! - [`play_program`] plays a program's game from its messages, as `avm challenge
//!   --protocol classic` does.
//! - [`encode_move`] ABI-encodes a move as Challenge.sol's function takes it.
//! - [`run_on_evm`] replays a native game's moves on the EVM referee.
//! - [`replay_transcript`] re-executes a transcript, allowing only a game's calls.

use std::path::Path;

use avm_challenge::classic::{
    cut_hash, Accepted, Bisection, ClassicAssertion, ClassicLiar, ClassicLie, ClassicMove,
    ClassicParty, ClassicReferee, ClassicRevert, GameConfig, HonestClassic, MoveRecord,
};
use avm_challenge::Role;
use avm_machine::Machine;
use avm_prover::classic::{BatchSection, ClassicInbox};
use avm_value::Value;
use avm_value::{keccak256, Hash, Int};
use avm_verifier::classic::L1Message;

use crate::abi::{self, Token, Word};
use crate::contracts::{Contract, ContractsError};
use crate::inbox::DelayedMessage;
use crate::transcript::{
    address_hex, Chain, FirstDifference, Transcript, TxRecord, TxRequest, TxStatus,
};
use crate::world::{Deployed, Hardfork, L1Error, DELAYED_INBOX, OWNER, SEQUENCER};

/// The asserter's address in games the EVM referee plays.
pub const ASSERTER: [u8; 20] = [
    0x0a, 0x5e, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x0a,
];
/// The challenger's address in games the EVM referee plays.
pub const CHALLENGER: [u8; 20] = [
    0x0c, 0x4a, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x0c,
];

const START_CHALLENGE: &str =
    "startChallenge(bytes32,uint256,address,address,uint256,uint256,address,address)";
const TESTER_CHALLENGE: &str = "challenge()";
const TESTER_COMPLETED: &str = "challengeCompleted()";
const TESTER_WINNER: &str = "winner()";
const TESTER_LOSER: &str = "loser()";
const LAST_MOVE_BLOCK: &str = "lastMoveBlock()";
const RESPONDER_TIME_LEFT: &str = "currentResponderTimeLeft()";
const BRIDGE_INITIALIZE: &str = "initialize()";
const BRIDGE_SET_INBOX: &str = "setInbox(address,bool)";
const BRIDGE_DELIVER: &str = "deliverMessageToInbox(uint8,address,bytes32)";
const INBOX_ACCS: &str = "inboxAccs(uint256)";
const MESSAGE_COUNT: &str = "messageCount()";
const SEQ_INITIALIZE: &str = "initialize(address,address,address)";
const SEQ_ADD_BATCH: &str = "addSequencerL2Batch(bytes,uint256[],uint256[],bytes32)";
const SEQ_ACCS_LENGTH: &str = "getInboxAccsLength()";
const SEQ_DELAYED_READ: &str = "totalDelayedMessagesRead()";

/// The Challenge functions a game calls.
const MOVE_SIGNATURES: [&str; 4] = [
    "bisectExecution(bytes32[],uint256,uint256,uint256,bytes32,uint256,bytes32,bytes32[])",
    "proveContinuedExecution(bytes32[],uint256,uint256,uint256,bytes32,uint256,bytes32)",
    "oneStepProveExecution(bytes32[],uint256,uint256,uint256,bytes32,uint256,bytes32[2],uint256[3],bytes,bytes,uint8)",
    "timeout()",
];

/// The fixture contracts a Classic game deploys.
#[derive(Debug, Clone)]
pub struct ClassicContracts {
    /// OneStepProof (executor 0).
    pub one_step_proof: Contract,
    /// OneStepProof2 (executor 1).
    pub one_step_proof2: Contract,
    /// OneStepProofHash (executor 2).
    pub one_step_proof_hash: Contract,
    /// Bridge (the delayed inbox).
    pub bridge: Contract,
    /// SequencerInbox.
    pub sequencer_inbox: Contract,
    /// RollupMock (the SequencerInbox's rollup).
    pub rollup_mock: Contract,
    /// ChallengeTester (deploys the ChallengeFactory and receives the result).
    pub challenge_tester: Contract,
    /// Challenge (only its ABI is read: the moves must be its functions).
    pub challenge: Contract,
}

impl ClassicContracts {
    /// Reads the contracts from `dir` (e.g. `shared/fixtures/classic/contracts`) and
    /// checks their ABIs have the functions a game calls.
    pub fn load(dir: impl AsRef<Path>) -> Result<ClassicContracts, ContractsError> {
        let dir = dir.as_ref();
        let contracts = ClassicContracts {
            one_step_proof: Contract::load(dir, "OneStepProof")?,
            one_step_proof2: Contract::load(dir, "OneStepProof2")?,
            one_step_proof_hash: Contract::load(dir, "OneStepProofHash")?,
            bridge: Contract::load(dir, "Bridge")?,
            sequencer_inbox: Contract::load(dir, "SequencerInbox")?,
            rollup_mock: Contract::load(dir, "RollupMock")?,
            challenge_tester: Contract::load(dir, "ChallengeTester")?,
            challenge: Contract::load(dir, "Challenge")?,
        };
        let needs: [(&Contract, &[&str]); 5] = [
            (
                &contracts.challenge_tester,
                &[
                    START_CHALLENGE,
                    TESTER_CHALLENGE,
                    TESTER_COMPLETED,
                    TESTER_WINNER,
                    TESTER_LOSER,
                ],
            ),
            (&contracts.challenge, &MOVE_SIGNATURES),
            (
                &contracts.challenge,
                &[LAST_MOVE_BLOCK, RESPONDER_TIME_LEFT],
            ),
            (
                &contracts.bridge,
                &[
                    BRIDGE_INITIALIZE,
                    BRIDGE_SET_INBOX,
                    BRIDGE_DELIVER,
                    INBOX_ACCS,
                ],
            ),
            (
                &contracts.sequencer_inbox,
                &[
                    SEQ_INITIALIZE,
                    SEQ_ADD_BATCH,
                    SEQ_ACCS_LENGTH,
                    SEQ_DELAYED_READ,
                ],
            ),
        ];
        for (contract, signatures) in needs {
            for signature in signatures {
                if !contract.functions.iter().any(|f| f == signature) {
                    return Err(ContractsError::MissingFunction {
                        path: dir.join(format!("{}.json", contract.name)),
                        signature: (*signature).to_owned(),
                    });
                }
            }
        }
        Ok(contracts)
    }
}

/// Why the EVM referee could not do what was asked (a refused move is not an error: it
/// is a [`MoveVerdict::Reverted`]).
#[derive(Debug, thiserror::Error)]
pub enum ChallengeError {
    /// The EVM, or a setup call, failed.
    #[error(transparent)]
    L1(#[from] L1Error),
    /// A block or timestamp that breaks the chain's rules.
    #[error("block: {0}")]
    Block(String),
    /// A move before `startChallenge`.
    #[error("no challenge has been started")]
    NotStarted,
    /// An inbox message that is not a Classic L1 message.
    #[error("inbox message {index}: {why}")]
    Message {
        /// Its position in the inbox.
        index: usize,
        /// What is wrong with it.
        why: String,
    },
    /// The run has no assertion to make over the gas asked for.
    #[error("no assertion: {0}")]
    Assertion(String),
    /// Our model of the inbox and the contracts' accumulators disagree.
    #[error("the inbox model disagrees with the contracts: {0}")]
    Model(String),
    /// A setup transaction that had to succeed reverted.
    #[error("{label} reverted: {reason}")]
    Setup {
        /// The transaction's label.
        label: String,
        /// The revert reason (or none).
        reason: String,
    },
}

/// What the contract made of a move.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MoveVerdict {
    /// The transaction succeeded.
    Accepted,
    /// It reverted (or halted).
    Reverted {
        /// The `Error(string)` text, other revert data as `0x`-hex, None without data.
        reason: Option<String>,
    },
}

impl MoveVerdict {
    /// Whether the move was accepted.
    pub fn is_accepted(&self) -> bool {
        matches!(self, MoveVerdict::Accepted)
    }

    /// The revert reason, if the move reverted with one.
    pub fn reason(&self) -> Option<&str> {
        match self {
            MoveVerdict::Reverted { reason } => reason.as_deref(),
            MoveVerdict::Accepted => None,
        }
    }
}

/// One move on the EVM referee.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvmMove {
    /// Who sent it.
    pub by: Role,
    /// Its block.
    pub block: u64,
    /// The Challenge function called.
    pub function: &'static str,
    /// Accepted, or the revert reason.
    pub verdict: MoveVerdict,
    /// L1 gas the transaction used (as its receipt reports).
    pub gas_used: u64,
}

/// The verdict of a replayed transcript.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TranscriptVerdict {
    /// The winner the tester recorded.
    pub winner: Role,
    /// Transactions replayed.
    pub transactions: usize,
    /// L1 gas of every transaction.
    pub total_gas: u64,
    /// L1 gas of the Challenge moves (timeout included), in order.
    pub move_gas: Vec<u64>,
}

/// `bytes32`/`uint256` words of a list of hashes.
fn words(hashes: &[Hash]) -> Vec<Word> {
    hashes.iter().map(|h| h.0).collect()
}

/// The call data of `mv`: its selector and ABI-encoded arguments, as Challenge.sol's
/// function takes them.
pub fn encode_move(mv: &ClassicMove) -> Vec<u8> {
    let chunk_args = |c: &avm_challenge::classic::ChunkRef| {
        vec![
            Token::Words(words(&c.proof.nodes)),
            Token::Word(abi::uint64(c.proof.route)),
            Token::Word(abi::uint64(c.segment.start)),
            Token::Word(abi::uint64(c.segment.length)),
            Token::Word(c.old_end.0),
        ]
    };
    let args = match mv {
        ClassicMove::Bisect(m) => {
            let mut args = chunk_args(&m.chunk);
            args.extend([
                Token::Word(abi::uint64(m.gas_used_before)),
                Token::Word(m.assertion_rest.0),
                Token::Words(words(&m.chain_hashes)),
            ]);
            args
        }
        ClassicMove::ProveContinued(m) => {
            let mut args = chunk_args(&m.chunk);
            args.extend([
                Token::Word(abi::uint64(m.gas_used_before)),
                Token::Word(m.assertion_rest.0),
            ]);
            args
        }
        ClassicMove::OneStepProve(m) => {
            let mut args = chunk_args(&m.chunk);
            args.extend([
                Token::Word(abi::uint64(m.initial_messages_read)),
                Token::FixedWords(words(&m.initial_accs)),
                Token::FixedWords(m.initial_state.iter().map(|n| abi::uint64(*n)).collect()),
                Token::Bytes(m.execution_proof.clone()),
                Token::Bytes(m.buffer_proof.clone()),
                Token::Word(abi::uint64(u64::from(m.prover))),
            ]);
            args
        }
        ClassicMove::Timeout => Vec::new(),
    };
    abi::encode_call(mv.signature(), &args)
}

/// The ChallengeTester's constructor arguments: `address[] _executors`.
fn tester_args(executors: [[u8; 20]; 3]) -> Vec<u8> {
    abi::encode(&[Token::Words(
        executors.iter().map(|a| abi::address(*a)).collect(),
    )])
}

/// The ChallengeTester's creation input: its bytecode and constructor arguments.
fn tester_input(tester: &Contract, executors: [[u8; 20]; 3]) -> Vec<u8> {
    let mut input = tester.creation_bytecode.clone();
    input.extend(tester_args(executors));
    input
}

fn concat_hash(parts: &[&[u8]]) -> Hash {
    keccak256(&parts.concat())
}

fn word_address(word: &Word) -> [u8; 20] {
    let mut out = [0u8; 20];
    out.copy_from_slice(&word[12..]);
    out
}

/// The deployed contracts refereeing a Classic game, on a chain that records every
/// transaction.
pub struct EvmReferee {
    chain: Chain,
    deployed: Deployed,
    tester: [u8; 20],
    challenge: Option<[u8; 20]>,
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
        let mut acc = concat_hash(&[
            b"Delayed messages:",
            &before_acc.0,
            &abi::uint64(count),
            &abi::uint64(read),
            &abi::uint64(total_delayed_read),
            &delayed_acc.0,
        ]);
        count = count.saturating_add(total_delayed_read - read);
        let end_of_block = concat_hash(&[&[0u8; 20], &abi::uint64(block), &abi::uint64(timestamp)]);
        acc = concat_hash(&[
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

fn winner_of(
    chain: &mut Chain,
    tester: [u8; 20],
    asserter: [u8; 20],
    challenger: [u8; 20],
) -> Result<Option<Role>, ChallengeError> {
    let completed = chain.view_word(tester, TESTER_COMPLETED, &[])?;
    if completed != abi::boolean(true) {
        return Ok(None);
    }
    let winner = word_address(&chain.view_word(tester, TESTER_WINNER, &[])?);
    let loser = word_address(&chain.view_word(tester, TESTER_LOSER, &[])?);
    Ok(if (winner, loser) == (asserter, challenger) {
        Some(Role::Asserter)
    } else if (winner, loser) == (challenger, asserter) {
        Some(Role::Challenger)
    } else {
        None
    })
}

/// A native game replayed on the EVM referee.
#[derive(Debug)]
pub struct EvmGame {
    /// The referee, holding the chain (for its transcript).
    pub referee: EvmReferee,
    /// Each move of the native game, as the contract judged it.
    pub moves: Vec<EvmMove>,
    /// The winner the tester recorded.
    pub winner: Option<Role>,
}

impl EvmGame {
    /// L1 gas of every move, in order.
    pub fn move_gas(&self) -> Vec<u64> {
        self.moves.iter().map(|m| m.gas_used).collect()
    }
}

/// Replays `moves` (a native game over `assertion`, e.g. [`ClassicGameReport::moves`])
/// on a fresh EVM referee: `messages` delivered and posted in one sequencer batch
/// first, the challenge started in `config.start_block`, each move in its block.
///
/// [`ClassicGameReport::moves`]: avm_challenge::classic::ClassicGameReport::moves
pub fn run_on_evm(
    contracts: &ClassicContracts,
    hardfork: Hardfork,
    assertion: &ClassicAssertion,
    config: &GameConfig,
    messages: &[DelayedMessage],
    moves: &[MoveRecord],
) -> Result<EvmGame, ChallengeError> {
    let mut referee = EvmReferee::new(contracts, hardfork)?;
    for message in messages {
        referee.deliver_message(message)?;
    }
    if !messages.is_empty() {
        referee.post_delayed_batch(messages.len() as u64)?;
    }
    let execution_hash = assertion
        .execution_hash()
        .ok_or(ChallengeError::L1(L1Error::Invalid(
            "an assertion ending before it starts".into(),
        )))?;
    referee.start(
        config.start_block,
        execution_hash,
        assertion.max_message_count(),
        config.asserter_time_left,
        config.challenger_time_left,
    )?;
    let mut evm_moves = Vec::with_capacity(moves.len());
    for m in moves {
        evm_moves.push(referee.apply(m.by, m.block, &m.mv)?);
    }
    let winner = referee.winner()?;
    Ok(EvmGame {
        referee,
        moves: evm_moves,
        winner,
    })
}

/// A party whose one-step proofs of `inbox` steps carry the inbox suffix of the
/// message read (from `inbox`, the model [`EvmReferee::feed_delayed`] returns), as the
/// contract checks them; every other move is the inner party's.
pub struct WithInboxSuffix<'a, P> {
    /// The party.
    pub party: P,
    /// The inbox its machine reads, as the L1 contracts hold it.
    pub inbox: &'a ClassicInbox,
}

impl<P: ClassicParty> ClassicParty for WithInboxSuffix<'_, P> {
    fn disputes(&mut self, assertion: &ClassicAssertion) -> bool {
        self.party.disputes(assertion)
    }

    fn respond(&mut self, prev: &Bisection, degree: u64) -> Option<ClassicMove> {
        let mut mv = self.party.respond(prev, degree)?;
        if let ClassicMove::OneStepProve(p) = &mut mv {
            if p.execution_proof.first() == Some(&0x72) {
                // No suffix for a message the inbox lacks: the proof goes as it is,
                // and the contract refuses it.
                if let Ok(suffix) = self.inbox.suffix(p.initial_messages_read) {
                    suffix.write(&mut p.execution_proof);
                }
            }
        }
        Some(mv)
    }

    fn steps_executed(&self) -> u64 {
        self.party.steps_executed()
    }
}

/// One transaction of a game the EVM referee decided, with what the native referee
/// made of the same move.
#[derive(Debug, Clone)]
pub struct PlayedMove {
    /// The move.
    pub mv: ClassicMove,
    /// The contract's verdict and gas.
    pub evm: EvmMove,
    /// The native referee's verdict on the same move in the same state.
    pub native: Result<Accepted, ClassicRevert>,
}

/// A game played with the EVM referee as the authority.
#[derive(Debug, Clone)]
pub struct EvmPlay {
    /// Whether the challenger disputed the assertion (if not, no challenge starts and
    /// the asserter stands).
    pub disputed: bool,
    /// Every transaction sent to the Challenge, reverted ones included.
    pub moves: Vec<PlayedMove>,
    /// Accepted bisections.
    pub bisections: u64,
    /// The winner the tester recorded (the asserter when there was no dispute).
    pub winner: Role,
}

impl EvmPlay {
    /// L1 gas of the moves in all.
    pub fn total_gas(&self) -> u64 {
        self.moves
            .iter()
            .fold(0u64, |sum, m| sum.saturating_add(m.evm.gas_used))
    }
}

/// No game is longer than this many transactions.
const MAX_MOVES: usize = 1_000;

impl EvmReferee {
    /// Plays `assertion` out between `asserter` and `challenger` with the contract as
    /// referee: the challenge starts in `config.start_block`; each move is sent from
    /// its party's address in the next block; a party with no legal move (a proof
    /// zeroed the state, its move reverted, or it stays silent) is timed out by its
    /// opponent in the first block the contract allows. Every move also goes to a
    /// native referee, whose verdicts are reported beside the contract's.
    pub fn play(
        &mut self,
        assertion: &ClassicAssertion,
        config: &GameConfig,
        asserter: &mut dyn ClassicParty,
        challenger: &mut dyn ClassicParty,
    ) -> Result<EvmPlay, ChallengeError> {
        let mut play = EvmPlay {
            disputed: false,
            moves: Vec::new(),
            bisections: 0,
            winner: Role::Asserter,
        };
        let (Some(execution_hash), Some(segment)) =
            (assertion.execution_hash(), assertion.segment())
        else {
            return Err(ChallengeError::L1(L1Error::Invalid(
                "an assertion ending before it starts".into(),
            )));
        };
        if !challenger.disputes(assertion) {
            return Ok(play);
        }
        play.disputed = true;
        let challenge = self.start(
            config.start_block,
            execution_hash,
            assertion.max_message_count(),
            config.asserter_time_left,
            config.challenger_time_left,
        )?;
        let mut native = ClassicReferee::new(
            execution_hash,
            assertion.max_message_count(),
            config.asserter_time_left,
            config.challenger_time_left,
            config.start_block,
            config.degree,
        );
        let mut prev = Bisection {
            segment,
            cuts: vec![cut_hash(&assertion.before), cut_hash(&assertion.after)],
        };
        let mut turn = Role::Challenger;
        let mut proven = false;
        let mut block = config.start_block;
        while play.moves.len() < MAX_MOVES {
            let party: &mut dyn ClassicParty = match turn {
                Role::Asserter => &mut *asserter,
                Role::Challenger => &mut *challenger,
            };
            let mv = if proven {
                None
            } else {
                party.respond(&prev, config.degree)
            };
            if let Some(mv) = mv {
                block = block.saturating_add(1);
                let native_result = native.apply(turn, block, &mv);
                let evm = self.apply(turn, block, &mv)?;
                let accepted = evm.verdict.is_accepted();
                if accepted {
                    match &mv {
                        ClassicMove::Bisect(b) => {
                            prev = Bisection {
                                segment: b.chunk.segment,
                                cuts: b.chain_hashes.clone(),
                            };
                            play.bisections = play.bisections.saturating_add(1);
                        }
                        _ => proven = true,
                    }
                    turn = turn.other();
                }
                play.moves.push(PlayedMove {
                    mv,
                    evm,
                    native: native_result,
                });
                if accepted {
                    continue;
                }
            }
            // The party on turn has no legal move: its opponent waits out its blocks.
            let last = self.chain.view_word(challenge, LAST_MOVE_BLOCK, &[])?;
            let left = self.chain.view_word(challenge, RESPONDER_TIME_LEFT, &[])?;
            let (Some(last), Some(left)) = (abi::word_to_u64(&last), abi::word_to_u64(&left))
            else {
                return Err(ChallengeError::L1(L1Error::BadReturn {
                    call: RESPONDER_TIME_LEFT,
                    len: 32,
                }));
            };
            block = block.max(last.saturating_add(left).saturating_add(1));
            let native_result = native.apply(turn.other(), block, &ClassicMove::Timeout);
            let evm = self.apply(turn.other(), block, &ClassicMove::Timeout)?;
            let accepted = evm.verdict.is_accepted();
            play.moves.push(PlayedMove {
                mv: ClassicMove::Timeout,
                evm,
                native: native_result,
            });
            if !accepted {
                return Err(ChallengeError::Setup {
                    label: "timeout".into(),
                    reason: "refused in the first block the contract should allow it".into(),
                });
            }
            break;
        }
        play.winner = self.winner()?.ok_or(ChallengeError::Setup {
            label: "the game".into(),
            reason: format!("undecided after {} moves", play.moves.len()),
        })?;
        Ok(play)
    }
}

/// A message the machine reads (`(kind, block, timestamp, sender, seqNum, gasPrice,
/// length, data)`, as ArbOS receives it and benchmark logs record it) as the delayed
/// message whose delivery through the Bridge gives it: the Bridge assigns the sequence
/// number (and the machine sees it with bit 255 set), so the recorded one is ignored.
pub fn delayed_message_from_value(
    index: usize,
    message: &Value,
) -> Result<DelayedMessage, ChallengeError> {
    let bad = |why: &str| ChallengeError::Message {
        index,
        why: why.to_owned(),
    };
    let Value::Tuple(fields) = message else {
        return Err(bad("not a tuple"));
    };
    if fields.len() != 8 {
        return Err(bad(
            "not a tuple of 8 (kind, block, timestamp, sender, seqNum, gasPrice, length, data)",
        ));
    }
    let int = |i: usize, what: &str| match fields.get(i) {
        Some(Value::Int(n)) => Ok(*n),
        _ => Err(bad(&format!("its {what} is not an Integer"))),
    };
    let small = |i: usize, what: &str, bits: usize| {
        let n = int(i, what)?;
        let bytes = n.to_be_bytes::<32>();
        let keep = bits / 8;
        if bytes[..32 - keep].iter().any(|b| *b != 0) {
            return Err(bad(&format!("its {what} does not fit {bits} bits")));
        }
        Ok(bytes)
    };
    let word_u64 = |bytes: [u8; 32]| {
        let mut low = [0u8; 8];
        low.copy_from_slice(&bytes[24..]);
        u64::from_be_bytes(low)
    };
    let kind = small(0, "kind", 8)?[31];
    let block_number = word_u64(small(1, "block number", 64)?);
    let timestamp = word_u64(small(2, "timestamp", 64)?);
    let mut sender = [0u8; 20];
    sender.copy_from_slice(&small(3, "sender", 160)?[12..]);
    let price = small(5, "gas price", 128)?;
    let mut low = [0u8; 16];
    low.copy_from_slice(&price[16..]);
    let gas_price = u128::from_be_bytes(low);
    let length = word_u64(small(6, "length", 64)?);
    let Some(Value::Buffer(buffer)) = fields.get(7) else {
        return Err(bad("its data is not a Buffer"));
    };
    let data = buffer
        .to_vec(u128::from(length))
        .ok_or_else(|| bad("its data is longer than its length says"))?;
    let mut data = data;
    data.resize(
        usize::try_from(length).map_err(|_| bad("its length is too large"))?,
        0,
    );
    Ok(DelayedMessage {
        kind,
        sender,
        block_number,
        timestamp,
        gas_price,
        data,
    })
}

/// How to play a program's Classic challenge on the EVM referee.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProgramGame {
    /// The rules the chain runs under.
    pub hardfork: Hardfork,
    /// The AVMGas range asserted: from `start` (the first state reaching it) to `end`
    /// or where the run halts, errors or blocks first; None: the whole run.
    pub gas: Option<(u64, u64)>,
    /// Which side lies, and how (None: both honest, so no dispute).
    pub liar: Option<(Role, ClassicLie)>,
    /// Each side's time, in blocks.
    pub time_left: u64,
}

impl Default for ProgramGame {
    fn default() -> ProgramGame {
        ProgramGame {
            hardfork: Hardfork::London,
            gas: None,
            liar: None,
            time_left: 10,
        }
    }
}

/// A program's Classic challenge as the EVM referee decided it.
#[derive(Debug, Clone)]
pub struct ProgramGameReport {
    /// The honest assertion over the run (what the truth is).
    pub honest: ClassicAssertion,
    /// The assertion disputed (the liar's, when the asserter lies).
    pub assertion: ClassicAssertion,
    /// Messages in the SequencerInbox (the most the run may read).
    pub messages: u64,
    /// The game.
    pub play: EvmPlay,
    /// Every L1 transaction (None when there was no dispute, so no challenge).
    pub transcript: Option<Transcript>,
    /// L1 gas of setting up the chain (deployments and message deliveries).
    pub setup_gas: u64,
    /// Steps the asserter and the challenger executed.
    pub steps: (u64, u64),
}

/// Plays `machine`'s Classic challenge on a fresh EVM referee: `messages` delivered
/// through the Bridge and posted by the SequencerInbox, the honest run asserted over
/// `game.gas` (its messages limited to those on L1), the liar (if any) lying as
/// `game.liar` says, every `inbox` step proof carrying its suffix.
pub fn play_program(
    contracts: &ClassicContracts,
    machine: &Machine,
    messages: &[DelayedMessage],
    game: &ProgramGame,
) -> Result<ProgramGameReport, ChallengeError> {
    let mut referee = EvmReferee::new(contracts, game.hardfork)?;
    let inbox = referee.feed_delayed(messages)?;
    let setup_gas = referee
        .transactions()
        .iter()
        .fold(0u64, |sum, tx| sum.saturating_add(tx.gas_used));
    let max = inbox.len();
    let values = inbox.values().to_vec();
    let start = match game.gas {
        Some((from, _)) if from > machine.gas_used() => {
            HonestClassic::new(machine.clone(), &values, max)
                .execution()
                .machine_at(from)
                .ok_or_else(|| {
                    ChallengeError::Assertion(format!("the run stops before AVMGas {from}"))
                })?
        }
        _ => machine.clone(),
    };
    let budget = game.gas.map(|(_, end)| end);
    let honest_party = || HonestClassic::new(start.clone(), &values, max);
    let honest = honest_party()
        .assertion(budget)
        .ok_or_else(|| ChallengeError::Assertion("the run's end is unreachable".into()))?;
    let end = honest.after.gas_used;
    let config = GameConfig {
        asserter_time_left: game.time_left,
        challenger_time_left: game.time_left,
        start_block: referee.block().0.saturating_add(1),
        ..GameConfig::default()
    };
    let truth = honest_party();
    let (assertion, play) = match game.liar {
        None => {
            let mut asserter = WithInboxSuffix {
                party: truth,
                inbox: &inbox,
            };
            let mut challenger = WithInboxSuffix {
                party: honest_party(),
                inbox: &inbox,
            };
            let play = referee.play(&honest, &config, &mut asserter, &mut challenger)?;
            (
                honest,
                (
                    play,
                    asserter.party.steps_executed(),
                    challenger.party.steps_executed(),
                ),
            )
        }
        Some((role, lie)) => {
            let mut liar = ClassicLiar::new(honest_party(), lie, end);
            let assertion = match role {
                Role::Asserter => liar.assertion(budget).ok_or_else(|| {
                    ChallengeError::Assertion("the liar's end is unreachable".into())
                })?,
                Role::Challenger => honest,
            };
            let mut liar = WithInboxSuffix {
                party: liar,
                inbox: &inbox,
            };
            let mut truth = WithInboxSuffix {
                party: truth,
                inbox: &inbox,
            };
            let play = match role {
                Role::Asserter => referee.play(&assertion, &config, &mut liar, &mut truth)?,
                Role::Challenger => referee.play(&assertion, &config, &mut truth, &mut liar)?,
            };
            let (l, t) = (liar.party.steps_executed(), truth.party.steps_executed());
            let steps = match role {
                Role::Asserter => (l, t),
                Role::Challenger => (t, l),
            };
            (assertion, (play, steps.0, steps.1))
        }
    };
    let (play, asserter_steps, challenger_steps) = play;
    let transcript = referee.transcript()?;
    Ok(ProgramGameReport {
        honest,
        assertion,
        messages: max,
        play,
        transcript,
        setup_gas,
        steps: (asserter_steps, challenger_steps),
    })
}

/// What a transcript's created address is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    OneStepProof(usize),
    Bridge,
    SequencerInbox,
    RollupMock,
    Tester,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::OneStepProof(0) => "OneStepProof",
            Kind::OneStepProof(1) => "OneStepProof2",
            Kind::OneStepProof(_) => "OneStepProofHash",
            Kind::Bridge => "Bridge",
            Kind::SequencerInbox => "SequencerInbox",
            Kind::RollupMock => "RollupMock",
            Kind::Tester => "ChallengeTester",
        }
    }
}

fn selector_of(signature: &str) -> [u8; 4] {
    abi::selector(signature)
}

/// Re-executes `transcript` on a fresh chain, allowing only what a game needs:
/// creations of the fixture contracts (each at most once; the tester over the three
/// verifiers created before it); Bridge `initialize`, `setInbox`,
/// `deliverMessageToInbox`; SequencerInbox `initialize`, `addSequencerL2Batch`; one
/// `startChallenge` on the transcript's tester for its asserter and challenger with the
/// bridges created here; and the Challenge's four moves. Never the tester's unguarded
/// `completeChallenge`.
pub fn replay_transcript(
    transcript: &Transcript,
    contracts: &ClassicContracts,
) -> Result<TranscriptVerdict, FirstDifference> {
    if transcript.asserter == transcript.challenger {
        return Err(FirstDifference::Malformed(
            "the asserter and the challenger are one address".into(),
        ));
    }
    let mut chain = Chain::new(transcript.hardfork);
    let mut created: Vec<([u8; 20], Kind)> = Vec::new();
    let mut challenge: Option<[u8; 20]> = None;
    let mut move_gas = Vec::new();
    let osps = [
        &contracts.one_step_proof,
        &contracts.one_step_proof2,
        &contracts.one_step_proof_hash,
    ];
    for (index, tx) in transcript.transactions.iter().enumerate() {
        let disallowed = |why: String| FirstDifference::Disallowed { index, why };
        chain
            .set_block(tx.block, tx.timestamp)
            .map_err(&disallowed)?;
        let find = |kind: Kind, created: &[([u8; 20], Kind)]| {
            created.iter().find(|(_, k)| *k == kind).map(|(a, _)| *a)
        };
        // What this transaction is, if a game needs it.
        let mut creates = None;
        let mut is_move = false;
        let mut starts = false;
        match tx.to {
            None => {
                let kind = if let Some(i) =
                    osps.iter().position(|c| c.creation_bytecode == tx.input)
                {
                    Kind::OneStepProof(i)
                } else if tx.input == contracts.bridge.creation_bytecode {
                    Kind::Bridge
                } else if tx.input == contracts.sequencer_inbox.creation_bytecode {
                    Kind::SequencerInbox
                } else if tx.input == contracts.rollup_mock.creation_bytecode {
                    Kind::RollupMock
                } else if tx
                    .input
                    .starts_with(&contracts.challenge_tester.creation_bytecode)
                {
                    let executors = [0, 1, 2].map(|i| find(Kind::OneStepProof(i), &created));
                    let [Some(a), Some(b), Some(c)] = executors else {
                        return Err(disallowed(
                            "a ChallengeTester before the three verifiers".into(),
                        ));
                    };
                    if tx.input != tester_input(&contracts.challenge_tester, [a, b, c]) {
                        return Err(disallowed(
                            "a ChallengeTester over other executors than the verifiers created here".into(),
                        ));
                    }
                    Kind::Tester
                } else {
                    return Err(disallowed(
                        "a creation of no fixture contract a game deploys".into(),
                    ));
                };
                if find(kind, &created).is_some() {
                    return Err(disallowed(format!("a second {}", kind.name())));
                }
                creates = Some(kind);
            }
            Some(to) => {
                let selector: [u8; 4] = tx
                    .input
                    .get(..4)
                    .and_then(|s| s.try_into().ok())
                    .unwrap_or_default();
                let is = |sig: &str| selector == selector_of(sig);
                let kind = created.iter().find(|(a, _)| *a == to).map(|(_, k)| *k);
                let allowed = match kind {
                    Some(Kind::Bridge) => {
                        is(BRIDGE_INITIALIZE) || is(BRIDGE_SET_INBOX) || is(BRIDGE_DELIVER)
                    }
                    Some(Kind::SequencerInbox) => is(SEQ_INITIALIZE) || is(SEQ_ADD_BATCH),
                    Some(Kind::Tester) if is(START_CHALLENGE) => {
                        if challenge.is_some() {
                            return Err(disallowed("a second startChallenge".into()));
                        }
                        if to != transcript.tester {
                            return Err(disallowed(
                                "startChallenge on another tester than the transcript's".into(),
                            ));
                        }
                        let args = abi::decode_words(tx.input.get(4..).unwrap_or_default(), 8)
                            .ok_or_else(|| {
                                disallowed("startChallenge without its arguments".into())
                            })?;
                        let expect = [
                            (2, Some(transcript.asserter), "asserter"),
                            (3, Some(transcript.challenger), "challenger"),
                            (6, find(Kind::SequencerInbox, &created), "sequencerBridge"),
                            (7, find(Kind::Bridge, &created), "delayedBridge"),
                        ];
                        for (i, address, name) in expect {
                            if address.is_none()
                                || args.get(i) != address.map(abi::address).as_ref()
                            {
                                return Err(disallowed(format!(
                                    "startChallenge names another {name} than the transcript's"
                                )));
                            }
                        }
                        starts = true;
                        true
                    }
                    _ if Some(to) == challenge => {
                        is_move = MOVE_SIGNATURES.iter().any(|s| is(s));
                        is_move
                    }
                    _ => false,
                };
                if !allowed {
                    return Err(disallowed(format!(
                        "a call to {} (selector 0x{}) a game does not make",
                        address_hex(&to),
                        hex::encode(selector)
                    )));
                }
            }
        }
        let (replayed, _) = chain
            .send(TxRequest {
                from: tx.from,
                to: tx.to,
                input: tx.input.clone(),
                gas_price: tx.gas_price,
                label: tx.label.clone(),
            })
            .map_err(|e| FirstDifference::Evm {
                index,
                message: e.to_string(),
            })?;
        let differ = |field: &'static str, recorded: String, replayed: String| {
            FirstDifference::Transaction {
                index,
                label: tx.label.clone(),
                field,
                recorded,
                replayed,
            }
        };
        if replayed.status != tx.status {
            return Err(differ(
                "status",
                tx.status.name().into(),
                replayed.status.name().into(),
            ));
        }
        if replayed.reason != tx.reason {
            return Err(differ(
                "reason",
                format!("{:?}", tx.reason),
                format!("{:?}", replayed.reason),
            ));
        }
        if replayed.gas_used != tx.gas_used {
            return Err(differ(
                "gasUsed",
                tx.gas_used.to_string(),
                replayed.gas_used.to_string(),
            ));
        }
        if replayed.created != tx.created {
            let show = |a: Option<[u8; 20]>| a.map_or("none".into(), |a| address_hex(&a));
            return Err(differ("created", show(tx.created), show(replayed.created)));
        }
        if let (Some(kind), Some(address)) = (creates, replayed.created) {
            created.push((address, kind));
        }
        if starts && replayed.status == TxStatus::Ok {
            let word = chain
                .view_word(transcript.tester, TESTER_CHALLENGE, &[])
                .map_err(|e| FirstDifference::Evm {
                    index,
                    message: e.to_string(),
                })?;
            let address = word_address(&word);
            if address != transcript.challenge {
                return Err(FirstDifference::Header {
                    field: "challenge",
                    recorded: address_hex(&transcript.challenge),
                    replayed: address_hex(&address),
                });
            }
            challenge = Some(address);
        }
        if is_move {
            move_gas.push(replayed.gas_used);
        }
    }
    let tester = created
        .iter()
        .find(|(_, k)| *k == Kind::Tester)
        .map(|(a, _)| *a);
    if tester != Some(transcript.tester) {
        return Err(FirstDifference::Header {
            field: "tester",
            recorded: address_hex(&transcript.tester),
            replayed: tester.map_or("none".into(), |a| address_hex(&a)),
        });
    }
    let winner = match challenge {
        Some(_) => winner_of(
            &mut chain,
            transcript.tester,
            transcript.asserter,
            transcript.challenger,
        )
        .map_err(|e| FirstDifference::Evm {
            index: transcript.transactions.len(),
            message: e.to_string(),
        })?,
        None => None,
    };
    if winner != Some(transcript.winner) {
        return Err(FirstDifference::Winner {
            recorded: transcript.winner.name().into(),
            replayed: winner.map_or("none", Role::name).into(),
        });
    }
    Ok(TranscriptVerdict {
        winner: transcript.winner,
        transactions: transcript.transactions.len(),
        total_gas: transcript.total_gas(),
        move_gas,
    })
}
