//! The native Classic referee: Challenge.sol's acceptance rules, in the same order and
//! with the same revert reasons, holding only what the contract holds (the challenge
//! state hash, the message limit, whose turn it is and the blocks each side has left).
//!
//! It is the fast stand-in for the EVM referee (the deployed bytecode in revm), which
//! stays the authority; where the native one cannot decide as the EVM would (a step
//! reading the inbox, an executor not matching the opcode) it says so with its own
//! revert variant rather than guess.

use avm_value::Hash;
use avm_verifier::classic::{verify_step, ExecutionState};
use avm_verifier::Rejection;

use super::hash::{assertion_hash, bisection_chunk_hash, cut_hash, UNREACHABLE};
use super::moves::{
    executor_for_opcode, BisectExecution, ChunkRef, ClassicMove, OneStepProveExecution,
    ProveContinuedExecution,
};
use super::revert::ClassicRevert;
use super::segment::{calculate_root, Bisection, ClassicSegment};
use crate::referee::Role;

/// MerkleLib.calculateRoot refuses longer proofs.
const MAX_MERKLE_NODES: usize = 256;

/// A machine hash no proof rebuilds, to learn the hash a proof does rebuild.
const PROBE: Hash = Hash([0xab; 32]);

/// What an accepted move did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Accepted {
    /// A bisection: the new bisection (what the `Bisected` event reports), now the
    /// challenge state's tree.
    Bisected(Bisection),
    /// A proof move: the challenge state is zero, so the opponent has no legal move.
    Proven,
    /// `timeout()`: the game is decided.
    Decided {
        /// The party that was not on turn.
        winner: Role,
    },
}

/// The contract's state and rules, natively.
#[derive(Clone, Debug)]
pub struct ClassicReferee {
    challenge_state: Hash,
    max_message_count: u64,
    degree: u64,
    turn: Role,
    asserter_time_left: u64,
    challenger_time_left: u64,
    last_move_block: u64,
    winner: Option<Role>,
}

impl ClassicReferee {
    /// A challenge started at block `start_block` over `execution_hash`, with the
    /// assertion's message count, each side's time in blocks and the bisection degree.
    /// The challenger moves first.
    pub fn new(
        execution_hash: Hash,
        max_message_count: u64,
        asserter_time_left: u64,
        challenger_time_left: u64,
        start_block: u64,
        degree: u64,
    ) -> ClassicReferee {
        ClassicReferee {
            challenge_state: execution_hash,
            max_message_count,
            degree,
            turn: Role::Challenger,
            asserter_time_left,
            challenger_time_left,
            last_move_block: start_block,
            winner: None,
        }
    }

    /// `challengeState`: the root of the current bisection (zero after a proof).
    pub fn challenge_state(&self) -> Hash {
        self.challenge_state
    }

    /// The party on turn.
    pub fn turn(&self) -> Role {
        self.turn
    }

    /// `lastMoveBlock`.
    pub fn last_move_block(&self) -> u64 {
        self.last_move_block
    }

    /// Blocks `role` has left.
    pub fn time_left(&self, role: Role) -> u64 {
        match role {
            Role::Asserter => self.asserter_time_left,
            Role::Challenger => self.challenger_time_left,
        }
    }

    /// The first block in which `timeout()` succeeds.
    pub fn timeout_block(&self) -> u64 {
        self.last_move_block
            .saturating_add(self.time_left(self.turn))
            .saturating_add(1)
    }

    /// The winner, once `timeout()` has decided.
    pub fn winner(&self) -> Option<Role> {
        self.winner
    }

    /// `maxMessageCount`.
    pub fn max_message_count(&self) -> u64 {
        self.max_message_count
    }

    /// The bisection degree the result receiver serves.
    pub fn degree(&self) -> u64 {
        self.degree
    }

    /// Applies `mv`, sent by `sender` in block `block`. A refused move changes
    /// nothing, as a reverted transaction.
    pub fn apply(
        &mut self,
        sender: Role,
        block: u64,
        mv: &ClassicMove,
    ) -> Result<Accepted, ClassicRevert> {
        if self.winner.is_some() {
            return Err(ClassicRevert::Over);
        }
        if let ClassicMove::Timeout = mv {
            return self.timeout(block);
        }
        // onlyOnTurn
        if sender != self.turn {
            return Err(ClassicRevert::NotOnTurn);
        }
        let elapsed = block
            .checked_sub(self.last_move_block)
            .ok_or(ClassicRevert::Panic("SafeMath: subtraction overflow"))?;
        if elapsed > self.time_left(self.turn) {
            return Err(ClassicRevert::Deadline);
        }
        let accepted = match mv {
            ClassicMove::Bisect(m) => self.bisect(m)?,
            ClassicMove::ProveContinued(m) => self.prove_continued(m)?,
            ClassicMove::OneStepProve(m) => self.one_step_prove(m)?,
            ClassicMove::Timeout => return Err(ClassicRevert::Panic("unreachable")),
        };
        match self.turn {
            Role::Challenger => {
                self.challenger_time_left = self.challenger_time_left.saturating_sub(elapsed);
                self.turn = Role::Asserter;
            }
            Role::Asserter => {
                self.asserter_time_left = self.asserter_time_left.saturating_sub(elapsed);
                self.turn = Role::Challenger;
            }
        }
        self.last_move_block = block;
        Ok(accepted)
    }

    fn timeout(&mut self, block: u64) -> Result<Accepted, ClassicRevert> {
        let elapsed = block
            .checked_sub(self.last_move_block)
            .ok_or(ClassicRevert::Panic("SafeMath: subtraction overflow"))?;
        if elapsed <= self.time_left(self.turn) {
            return Err(ClassicRevert::TimeoutDeadline);
        }
        let winner = match self.turn {
            Role::Asserter => Role::Challenger,
            Role::Challenger => Role::Asserter,
        };
        self.winner = Some(winner);
        Ok(Accepted::Decided { winner })
    }

    /// Whether `chunk_hash` is a leaf of the committed bisection by `chunk`'s proof.
    fn check_chunk(&self, chunk: &ChunkRef, chunk_hash: &Hash) -> Result<(), ClassicRevert> {
        if chunk.proof.nodes.len() > MAX_MERKLE_NODES {
            return Err(ClassicRevert::Panic("MerkleLib: more than 256 proof nodes"));
        }
        if calculate_root(&chunk.proof.nodes, chunk.proof.route, chunk_hash) == self.challenge_state
        {
            Ok(())
        } else {
            Err(ClassicRevert::BisPrev)
        }
    }

    fn bisect(&mut self, m: &BisectExecution) -> Result<Accepted, ClassicRevert> {
        let segment = m.chunk.segment;
        let last = *m
            .chain_hashes
            .last()
            .ok_or(ClassicRevert::Panic("index out of range"))?;
        if last != UNREACHABLE && segment.length <= 1 {
            return Err(ClassicRevert::TooShort);
        }
        let count = segment.chunk_count(self.degree);
        let expected = count.saturating_add(1);
        if u64::try_from(m.chain_hashes.len()).ok() != Some(expected) {
            return Err(ClassicRevert::CutCount {
                expected,
                got: m.chain_hashes.len(),
            });
        }
        if last == m.chunk.old_end {
            return Err(ClassicRevert::SameEnd);
        }
        let first = *m
            .chain_hashes
            .first()
            .ok_or(ClassicRevert::Panic("index out of range"))?;
        if first != assertion_hash(u128::from(m.gas_used_before), &m.assertion_rest) {
            return Err(ClassicRevert::PreFields);
        }
        if first == UNREACHABLE {
            return Err(ClassicRevert::UnreachableStart);
        }
        if u128::from(m.gas_used_before) >= segment.end() {
            return Err(ClassicRevert::InvalidSegmentLength);
        }
        let chunk_hash = bisection_chunk_hash(
            u128::from(segment.start),
            u128::from(segment.length),
            &first,
            &m.chunk.old_end,
        );
        self.check_chunk(&m.chunk, &chunk_hash)?;
        if count == 0 {
            return Err(ClassicRevert::Panic("division by zero"));
        }
        let bisection = Bisection {
            segment,
            cuts: m.chain_hashes.clone(),
        };
        let tree = bisection
            .tree()
            .ok_or(ClassicRevert::Panic("index out of range"))?;
        self.challenge_state = tree.root();
        Ok(Accepted::Bisected(bisection))
    }

    fn prove_continued(&mut self, m: &ProveContinuedExecution) -> Result<Accepted, ClassicRevert> {
        let segment = m.chunk.segment;
        let before = assertion_hash(u128::from(m.gas_used_before), &m.assertion_rest);
        let chunk_hash = bisection_chunk_hash(
            u128::from(segment.start),
            u128::from(segment.length),
            &before,
            &m.chunk.old_end,
        );
        self.check_chunk(&m.chunk, &chunk_hash)?;
        if u128::from(m.gas_used_before) < segment.end() {
            return Err(ClassicRevert::NotCont);
        }
        if before == m.chunk.old_end {
            return Err(ClassicRevert::WrongEnd);
        }
        self.challenge_state = Hash::default();
        Ok(Accepted::Proven)
    }

    fn one_step_prove(&mut self, m: &OneStepProveExecution) -> Result<Accepted, ClassicRevert> {
        let segment: ClassicSegment = m.chunk.segment;
        if m.prover > 2 {
            return Err(ClassicRevert::Panic("executor index out of range"));
        }
        let step = execute_step(m, self.max_message_count)?;
        if step.after.inbox_count > self.max_message_count {
            return Err(ClassicRevert::TooManyMessages {
                read: step.after.inbox_count,
                max: self.max_message_count,
            });
        }
        let initial_gas = m.initial_state[0];
        if u128::from(initial_gas) >= segment.end() {
            return Err(ClassicRevert::OspCont);
        }
        let step_gas = step.after.gas_used.saturating_sub(step.before.gas_used);
        if u128::from(initial_gas).saturating_add(u128::from(step_gas)) < segment.end() {
            return Err(ClassicRevert::OspShort);
        }
        if cut_hash(&step.after) == m.chunk.old_end {
            return Err(ClassicRevert::WrongEnd);
        }
        let chunk_hash = bisection_chunk_hash(
            u128::from(segment.start),
            u128::from(segment.length),
            &cut_hash(&step.before),
            &m.chunk.old_end,
        );
        self.check_chunk(&m.chunk, &chunk_hash)?;
        self.challenge_state = Hash::default();
        Ok(Accepted::Proven)
    }
}

/// The two ends of a step as an executor reports them.
struct ExecutedStep {
    before: ExecutionState,
    after: ExecutionState,
}

/// `executeStep` natively: the state before (its machine hash rebuilt from the proof,
/// as the contract takes it) and after the proven step.
fn execute_step(
    m: &OneStepProveExecution,
    max_message_count: u64,
) -> Result<ExecutedStep, ClassicRevert> {
    let opcode =
        *m.execution_proof
            .first()
            .ok_or(ClassicRevert::Executor(Rejection::Malformed(
                "an empty proof".into(),
            )))?;
    let expected = executor_for_opcode(opcode);
    if m.prover != expected {
        return Err(ClassicRevert::WrongExecutor {
            opcode,
            given: m.prover,
            expected,
        });
    }
    if opcode == avm_code::Opcode::Inbox as u8 {
        // An inbox step reads message `initialMessagesRead`: past the limit whatever
        // the suffix says (an invalid suffix would revert in the executor first).
        if m.initial_messages_read >= max_message_count {
            return Err(ClassicRevert::TooManyMessages {
                read: m.initial_messages_read.saturating_add(1),
                max: max_message_count,
            });
        }
        return Err(ClassicRevert::InboxStepNative);
    }
    let mut before = ExecutionState {
        machine_hash: PROBE,
        inbox_acc: Hash::default(),
        inbox_count: m.initial_messages_read,
        gas_used: m.initial_state[0],
        send_count: m.initial_state[1],
        log_count: m.initial_state[2],
        send_acc: m.initial_accs[0],
        log_acc: m.initial_accs[1],
    };
    let after = match verify_step(&before, &m.execution_proof, &m.buffer_proof) {
        Ok(after) => after,
        Err(Rejection::PreStateMismatch { computed, .. }) => {
            before.machine_hash = computed;
            verify_step(&before, &m.execution_proof, &m.buffer_proof)
                .map_err(ClassicRevert::Executor)?
        }
        Err(e) => return Err(ClassicRevert::Executor(e)),
    };
    Ok(ExecutedStep { before, after })
}
