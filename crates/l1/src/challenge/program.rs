//! A program's game from its messages, as `avm challenge --protocol classic` plays it.

use avm_value::Int;
use avm_verifier::classic::L1Message;

use super::*;

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
    let m = L1Message::from_avm_value(message).map_err(|e| bad(&e.to_string()))?;
    let small = |n: Int, what: &str, bits: u32| {
        if n.bit_len() > bits as usize {
            Err(bad(&format!("its {what} does not fit {bits} bits")))
        } else {
            Ok(n)
        }
    };
    Ok(DelayedMessage {
        kind: m.kind,
        sender: m.sender,
        block_number: u64::try_from(small(m.block_number, "block number", 64)?).unwrap_or_default(),
        timestamp: u64::try_from(small(m.timestamp, "timestamp", 64)?).unwrap_or_default(),
        gas_price: u128::try_from(small(m.gas_price, "gas price", 128)?).unwrap_or_default(),
        data: m.data,
    })
}

/// The largest message whose `inbox` step the deployed OneStepProof proves within a
/// 30,000,000-gas block: 105 KiB. Measured on the deployed Challenge with echo.mexe
/// (docs/l1-costs.md): 111,266 bytes are proven in 29.15 M gas, 111,303 are not (the
/// executor runs out of gas); about 3.7 KB are kept for a machine proof larger than
/// echo's before the inbox suffix (about 260 L1 gas a byte).
pub const MAX_PROVABLE_MESSAGE: usize = 105 * 1024;

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
    /// The largest message the run may read: a longer one is refused up front
    /// ([`MAX_PROVABLE_MESSAGE`] unless measuring past it).
    pub max_message: usize,
}

impl Default for ProgramGame {
    fn default() -> ProgramGame {
        ProgramGame {
            hardfork: Hardfork::London,
            gas: None,
            liar: None,
            time_left: 10,
            max_message: MAX_PROVABLE_MESSAGE,
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
    /// How each message entered the L1.
    pub entries: Vec<crate::delivery::Entry>,
    /// Steps the asserter and the challenger executed.
    pub steps: (u64, u64),
}

/// Plays `machine`'s Classic challenge on a fresh EVM referee: `messages` delivered
/// through the Bridge and posted by the SequencerInbox, the honest run asserted over
/// `game.gas` (its messages limited to those on L1), the liar (if any) lying as
/// `game.liar` says, every `inbox` step proof carrying its suffix.
pub fn play_program(
    contracts: &Contracts,
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
    // Every inbox step the run can reach must be provable on L1 (its message small
    // enough), or a game over it could end with the honest party unable to move.
    for index in 0..max {
        if let Some((message, _)) = inbox.message(index) {
            if message.data.len() > game.max_message {
                return Err(ChallengeError::Unprovable {
                    index,
                    size: message.data.len(),
                    max: game.max_message,
                });
            }
        }
    }
    let truth = honest_party();
    let disputed_length = |a: &ClassicAssertion| a.segment().map_or(0, |s| s.length);
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
            config.check_budgets(disputed_length(&assertion))?;
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
        entries: referee.entries().to_vec(),
        steps: (asserter_steps, challenger_steps),
    })
}
