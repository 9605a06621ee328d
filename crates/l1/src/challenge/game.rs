//! Native games replayed on the EVM referee, and what a played game records.

use super::*;

pub(super) fn winner_of(
    chain: &mut Chain,
    tester: [u8; 20],
    asserter: [u8; 20],
    challenger: [u8; 20],
) -> Result<Option<Role>, ChallengeError> {
    let completed = chain.view_word(tester, sig::TESTER_COMPLETED, &[])?;
    if completed != abi::boolean(true) {
        return Ok(None);
    }
    let winner = chain.view_address(tester, sig::TESTER_WINNER, &[])?;
    let loser = chain.view_address(tester, sig::TESTER_LOSER, &[])?;
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
    contracts: &Contracts,
    hardfork: Hardfork,
    assertion: &ClassicAssertion,
    config: &GameConfig,
    messages: &[DelayedMessage],
    moves: &[MoveRecord],
) -> Result<EvmGame, ChallengeError> {
    let mut referee = EvmReferee::new(contracts, hardfork)?;
    referee.feed_delayed(messages)?;
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
        evm_moves.push(EvmReferee::apply(&mut referee, m.by, m.block, &m.mv)?);
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
            if p.execution_proof.first() == Some(&(avm_code::Opcode::Inbox as u8)) {
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
