//! A validator in a challenge the Rollup created: it plays the Classic game (the
//! challenge crate's parties, the moves the EVM referee encodes) against the
//! Challenge contract, one move per round when it is on turn, and calls `timeout()`
//! when its opponent's blocks have run out.
//!
//! Everything it needs to move is read back from the L1 each round (the responder,
//! the time left, the last `Bisected` event), so a validator restarted mid-game
//! carries on from the contract's state.
//!
//! This is not a second move loop: avm-challenge's [`play`] drives both parties of a
//! game in one process, block after block, before any referee; a validator on a live
//! rollup has one party, its opponent elsewhere, and the L1's clock. What the two
//! share is everything but the loop: the parties (honest and liars), the game's hashes
//! and segments, and the moves' encoding (avm-l1's [`encode_move`]).
//!
//! [`play`]: avm_challenge::classic::play

use avm_challenge::classic::{
    cut_hash, false_state, Bisection, ClassicLiar, ClassicLie, ClassicParty, ClassicSegment,
    HonestClassic,
};
use avm_challenge::Role;
use avm_l1::abi::{self, Token};
use avm_l1::{encode_move, Chain, L1Error, Log, LogFilter, Rollup, WithInboxSuffix};
use avm_value::{keccak256, Hash};
use avm_verifier::classic::ExecutionState;

use crate::rollup::EV_CHALLENGE_STARTED;
use crate::staker::Fault;
use crate::watcher::Watcher;

/// `Bisected(bytes32 indexed challengeRoot, uint256 start, uint256 length, bytes32[]
/// chainHashes)`.
pub const EV_BISECTED: &str = "Bisected(bytes32,uint256,uint256,bytes32[])";

/// A challenge as the Rollup started it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Started {
    /// The Challenge contract.
    pub challenge: [u8; 20],
    /// The staker on the older node, defending it.
    pub asserter: [u8; 20],
    /// The staker on the younger node.
    pub challenger: [u8; 20],
    /// The older node, whose assertion is disputed.
    pub node: u64,
    /// The L1 block it started in (the game's events are from there on).
    pub block: u64,
}

/// Reads the `RollupChallengeStarted` event of `challenge`.
pub fn started(
    chain: &mut Chain,
    rollup: &Rollup,
    challenge: [u8; 20],
) -> Result<Started, L1Error> {
    let logs = chain.logs(&LogFilter {
        from_block: rollup.created_block,
        to_block: None,
        addresses: vec![rollup.rollup],
        topic0: vec![abi::event_topic(EV_CHALLENGE_STARTED)],
    })?;
    let log = logs
        .iter()
        .rev()
        .find(|l| l.topics.get(1).map(|t| abi::word_address(&t.0)) == Some(Some(challenge)))
        .ok_or_else(|| L1Error::Events("no RollupChallengeStarted for the challenge".into()))?;
    let word = |i| abi::word_at(&log.data, i);
    let bad =
        || L1Error::Events("RollupChallengeStarted is not (address, address, uint256)".into());
    Ok(Started {
        challenge,
        asserter: word(0)
            .and_then(|w| abi::word_address(&w))
            .ok_or_else(bad)?,
        challenger: word(1)
            .and_then(|w| abi::word_address(&w))
            .ok_or_else(bad)?,
        node: word(2).and_then(|w| abi::word_to_u64(&w)).ok_or_else(bad)?,
        block: log.block,
    })
}

/// The game's state on L1 that decides the next move.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GameState {
    /// Whose move it is.
    pub responder: [u8; 20],
    /// The first block in which `timeout()` passes against the responder.
    pub timeout_block: u64,
    /// The bisection to answer (the assertion's single chunk before any).
    pub prev: Bisection,
}

fn bisection_of(log: &Log) -> Option<Bisection> {
    let start = abi::word_to_u64(&abi::word_at(&log.data, 0)?)?;
    let length = abi::word_to_u64(&abi::word_at(&log.data, 1)?)?;
    let cuts = abi::decode_words_at(&log.data, 2)?;
    Some(Bisection {
        segment: ClassicSegment { start, length },
        cuts: cuts.into_iter().map(Hash).collect(),
    })
}

/// The state of `challenge` (None once it is over: the contract is gone).
pub fn game_state(
    chain: &mut Chain,
    challenge: [u8; 20],
    initial: &Bisection,
    from_block: u64,
) -> Result<Option<GameState>, L1Error> {
    if !chain.has_code(challenge)? {
        return Ok(None);
    }
    let responder = chain.view_address(challenge, "currentResponder()", &[])?;
    let last = chain.view_u64(challenge, "lastMoveBlock()", &[])?;
    let left = chain.view_u64(challenge, "currentResponderTimeLeft()", &[])?;
    let bisections = chain.logs(&LogFilter {
        from_block,
        to_block: None,
        addresses: vec![challenge],
        topic0: vec![abi::event_topic(EV_BISECTED)],
    })?;
    let prev = match bisections.last() {
        Some(log) => bisection_of(log)
            .ok_or_else(|| L1Error::Events("a Bisected event that does not decode".into()))?,
        None => initial.clone(),
    };
    Ok(Some(GameState {
        responder,
        timeout_block: last.saturating_add(left).saturating_add(1),
        prev,
    }))
}

/// A validator's side of a challenge: the game, its role and its party.
pub struct Contest {
    /// The challenge.
    pub started: Started,
    /// Its role in it.
    pub role: Role,
    /// The bisection the game starts from: the disputed node's single chunk.
    pub initial: Bisection,
    /// The bisection degree.
    pub degree: u64,
    party: Box<dyn ClassicParty + Send>,
}

impl std::fmt::Debug for Contest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Contest")
            .field("started", &self.started)
            .field("role", &self.role)
            .finish_non_exhaustive()
    }
}

impl Contest {
    /// `me`'s side of `started`, with a party that tells the truth of the L1's inbox
    /// (or, for a faulty validator, one that claims the false end its node claims).
    /// None when the watcher cannot run the disputed node's parent.
    pub fn new(
        watcher: &Watcher,
        started: Started,
        me: [u8; 20],
        faulty: bool,
        degree: u64,
    ) -> Option<Contest> {
        let node = watcher.node(started.node)?;
        let parent = watcher.run_of(node.prev)?;
        // The claim as the event's raw words give it (a bogus claim's counts pass 64
        // bits: the game still starts from its cut hash).
        let claimed_gas = abi::word_to_u64(&node.claimed_gas)?;
        let max_messages = abi::word_to_u64(&node.claimed_inbox).unwrap_or(u64::MAX);
        let initial = Bisection {
            segment: ClassicSegment {
                start: parent.state.gas_used,
                length: claimed_gas.checked_sub(parent.state.gas_used)?,
            },
            cuts: vec![cut_hash(&parent.state), node.claimed_cut],
        };
        let honest = HonestClassic::new(
            parent.machine.clone(),
            watcher.inbox().values(),
            max_messages,
        );
        let party: Box<dyn ClassicParty + Send> = if faulty {
            Box::new(ClassicLiar::new(
                honest,
                ClassicLie::WrongFinal,
                claimed_gas,
            ))
        } else {
            Box::new(honest)
        };
        let role = if me == started.asserter {
            Role::Asserter
        } else {
            Role::Challenger
        };
        Some(Contest {
            started,
            role,
            initial,
            degree,
            party,
        })
    }

    /// The calldata of its move answering `prev` (None: it has none).
    pub fn respond(
        &mut self,
        watcher: &Watcher,
        prev: &Bisection,
    ) -> Option<(Vec<u8>, &'static str)> {
        let mut party = WithInboxSuffix {
            party: &mut *self.party,
            inbox: watcher.inbox(),
        };
        let mv = party.respond(prev, self.degree)?;
        Some((encode_move(&mv), mv.function()))
    }
}

/// The calldata of `timeout()`.
pub fn timeout_input() -> Vec<u8> {
    abi::encode_call("timeout()", &[])
}

/// The calldata of `createChallenge` for stakers on two sibling nodes, the older first.
pub fn create_challenge_input(
    watcher: &Watcher,
    older: (u64, [u8; 20]),
    younger: (u64, [u8; 20]),
) -> Option<Vec<u8>> {
    let (a, b) = (watcher.node(older.0)?, watcher.node(younger.0)?);
    Some(abi::encode_call(
        "createChallenge(address[2],uint256[2],bytes32[2],uint256[2],uint256[2])",
        &[
            Token::FixedWords(vec![abi::address(older.1), abi::address(younger.1)]),
            Token::FixedWords(vec![abi::uint64(older.0), abi::uint64(younger.0)]),
            Token::FixedWords(vec![a.execution_hash.0, b.execution_hash.0]),
            Token::FixedWords(vec![
                abi::uint64(a.state.proposed_block),
                abi::uint64(b.state.proposed_block),
            ]),
            Token::FixedWords(vec![a.claimed_inbox, b.claimed_inbox]),
        ],
    ))
}

/// The after-state a faulty validator with `fault` claims for a run ending in `state`.
pub fn faulty_claim(state: &ExecutionState, fault: Fault) -> ExecutionState {
    match fault {
        Fault::MachineHash => false_state(state),
        Fault::Sends => {
            let mut claim = *state;
            let mut preimage = state.send_acc.0.to_vec();
            preimage.extend_from_slice(&keccak256(b"a send the machine never made").0);
            claim.send_acc = keccak256(&preimage);
            claim.send_count += 1;
            claim
        }
        Fault::Messages => ExecutionState {
            inbox_count: state.inbox_count + 1,
            ..*state
        },
    }
}
