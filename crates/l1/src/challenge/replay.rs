//! Re-executing a transcript against fresh contracts, allowing only a game's calls.

use std::path::Path;

use avm_challenge::classic::most_moves_per_party;

use super::*;

/// What a transcript's created address is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    OneStepProof(usize),
    Bridge,
    SequencerInbox,
    RollupMock,
    Inbox,
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
            Kind::Inbox => "Inbox",
            Kind::Tester => "ChallengeTester",
        }
    }
}

fn selector_of(signature: &str) -> [u8; 4] {
    abi::selector(signature)
}

/// The fixture contracts a game creates, read for their creation bytecode.
struct Creatable {
    osps: [std::sync::Arc<crate::contracts::Contract>; 3],
    bridge: std::sync::Arc<crate::contracts::Contract>,
    sequencer_inbox: std::sync::Arc<crate::contracts::Contract>,
    rollup_mock: std::sync::Arc<crate::contracts::Contract>,
    inbox: std::sync::Arc<crate::contracts::Contract>,
    tester: std::sync::Arc<crate::contracts::Contract>,
}

impl Creatable {
    fn load(contracts: &Contracts) -> Result<Creatable, FirstDifference> {
        use crate::contracts::ContractName as N;
        let get = |name| {
            contracts
                .get(name)
                .map_err(|e| FirstDifference::Malformed(format!("the fixture contracts: {e}")))
        };
        Ok(Creatable {
            osps: [
                get(N::OneStepProof)?,
                get(N::OneStepProof2)?,
                get(N::OneStepProofHash)?,
            ],
            bridge: get(N::Bridge)?,
            sequencer_inbox: get(N::SequencerInbox)?,
            rollup_mock: get(N::RollupMock)?,
            inbox: get(N::Inbox)?,
            tester: get(N::ChallengeTester)?,
        })
    }
}

/// Re-executes `transcript` on a fresh chain, allowing only what a game needs:
/// creations of the fixture contracts (each at most once; the tester over the three
/// verifiers created before it); Bridge `initialize`, `setInbox`,
/// `deliverMessageToInbox`; SequencerInbox `initialize`, `addSequencerL2Batch`; Inbox
/// `initialize`, `sendL2Message`; one `startChallenge` on the transcript's tester for
/// its asserter and challenger with the bridges created here; and the Challenge's four
/// moves. Never the tester's unguarded `completeChallenge`.
pub fn replay_transcript(
    transcript: &Transcript,
    contracts: &Contracts,
) -> Result<TranscriptVerdict, FirstDifference> {
    replay(transcript, contracts).map(|(verdict, _)| verdict)
}

/// The chain a transcript replayed on and where its inbox contracts are.
struct Replayed {
    chain: Chain,
    inbox: Option<crate::setup::InboxContracts>,
}

fn replay(
    transcript: &Transcript,
    contracts: &Contracts,
) -> Result<(TranscriptVerdict, Replayed), FirstDifference> {
    if transcript.asserter == transcript.challenger {
        return Err(FirstDifference::Malformed(
            "the asserter and the challenger are one address".into(),
        ));
    }
    let creatable = Creatable::load(contracts)?;
    let mut chain = Chain::embedded(EmbeddedConfig::referee(transcript.hardfork)).map_err(|e| {
        FirstDifference::Evm {
            index: 0,
            message: e.to_string(),
        }
    })?;
    let mut created: Vec<([u8; 20], Kind)> = Vec::new();
    let mut challenge: Option<[u8; 20]> = None;
    let mut move_gas = Vec::new();
    let mut disputed: Option<Disputed> = None;
    let mut segment: Option<(u64, u64)> = None;
    let osps = &creatable.osps;
    for (index, tx) in transcript.transactions.iter().enumerate() {
        let disallowed = |why: String| FirstDifference::Disallowed { index, why };
        chain
            .set_block(tx.block, tx.timestamp)
            .map_err(|e| disallowed(e.to_string()))?;
        let find = |kind: Kind, created: &[([u8; 20], Kind)]| {
            created.iter().find(|(_, k)| *k == kind).map(|(a, _)| *a)
        };
        // What this transaction is, if a game needs it, and the label that says so.
        let mut creates = None;
        let mut is_move = false;
        let mut starts = false;
        let label: String;
        match tx.to {
            None => {
                let kind = if let Some(i) =
                    osps.iter().position(|c| c.creation_bytecode == tx.input)
                {
                    Kind::OneStepProof(i)
                } else if tx.input == creatable.bridge.creation_bytecode {
                    Kind::Bridge
                } else if tx.input == creatable.sequencer_inbox.creation_bytecode {
                    Kind::SequencerInbox
                } else if tx.input == creatable.rollup_mock.creation_bytecode {
                    Kind::RollupMock
                } else if tx.input == creatable.inbox.creation_bytecode {
                    Kind::Inbox
                } else if tx.input.starts_with(&creatable.tester.creation_bytecode) {
                    let executors = [0, 1, 2].map(|i| find(Kind::OneStepProof(i), &created));
                    let [Some(a), Some(b), Some(c)] = executors else {
                        return Err(disallowed(
                            "a ChallengeTester before the three verifiers".into(),
                        ));
                    };
                    if tx.input
                        != creatable
                            .tester
                            .creation_input(&crate::setup::executors_args([a, b, c]))
                    {
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
                label = format!("deploy {}", kind.name());
            }
            Some(to) => {
                let selector: [u8; 4] = tx
                    .input
                    .get(..4)
                    .and_then(|s| s.try_into().ok())
                    .unwrap_or_default();
                let is = |sig: &str| selector == selector_of(sig);
                let kind = created.iter().find(|(a, _)| *a == to).map(|(_, k)| *k);
                let called: Option<String> = match kind {
                    Some(Kind::Bridge) if is(sig::BRIDGE_INITIALIZE) => {
                        Some("Bridge.initialize".into())
                    }
                    Some(Kind::Bridge) if is(sig::BRIDGE_SET_INBOX) => {
                        Some("Bridge.setInbox".into())
                    }
                    Some(Kind::Bridge) if is(sig::BRIDGE_DELIVER) => Some(format!(
                        "deliver a delayed message through {}",
                        delivery::Entry::TestInbox.name()
                    )),
                    Some(Kind::SequencerInbox) if is(sig::SEQ_INITIALIZE) => {
                        Some("SequencerInbox.initialize".into())
                    }
                    Some(Kind::SequencerInbox) if is(sig::SEQ_ADD_BATCH) => {
                        Some("post a sequencer batch".into())
                    }
                    Some(Kind::Inbox) if is(sig::INBOX_INITIALIZE) => {
                        Some("Inbox.initialize".into())
                    }
                    Some(Kind::Inbox) if is(sig::INBOX_SEND_L2) => Some(format!(
                        "deliver a delayed message through {}",
                        delivery::Entry::SendL2Message.name()
                    )),
                    Some(Kind::Tester) if is(sig::START_CHALLENGE) => {
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
                        let number = |i: usize| args.get(i).and_then(abi::word_to_u64);
                        disputed = Some(Disputed {
                            execution_hash: Hash(args[0]),
                            max_message_count: number(1).unwrap_or(u64::MAX),
                            asserter_time_left: number(4).unwrap_or(u64::MAX),
                            challenger_time_left: number(5).unwrap_or(u64::MAX),
                            start_block: tx.block,
                        });
                        Some("startChallenge".into())
                    }
                    _ if Some(to) == challenge => {
                        let function = [
                            (sig::BISECT, "bisectExecution"),
                            (sig::PROVE_CONTINUED, "proveContinuedExecution"),
                            (sig::ONE_STEP_PROVE, "oneStepProveExecution"),
                            (sig::TIMEOUT, "timeout"),
                        ]
                        .iter()
                        .find(|(s, _)| is(s))
                        .map(|(_, name)| *name);
                        is_move = function.is_some();
                        // The first move names the whole disputed segment.
                        if segment.is_none() && function.is_some_and(|f| f != "timeout") {
                            let head = |i| {
                                abi::word_at(tx.input.get(4..).unwrap_or_default(), i)
                                    .and_then(|w| abi::word_to_u64(&w))
                            };
                            segment = head(2).zip(head(3));
                        }
                        let by = if tx.from == transcript.asserter {
                            "asserter".to_owned()
                        } else if tx.from == transcript.challenger {
                            "challenger".to_owned()
                        } else {
                            address_hex(&tx.from)
                        };
                        function.map(|f| format!("{by} {f}"))
                    }
                    _ => None,
                };
                let allowed = called.is_some();
                label = called.unwrap_or_default();
                if !allowed {
                    return Err(disallowed(format!(
                        "a call to {} (selector 0x{}) a game does not make",
                        address_hex(&to),
                        hex::encode(selector)
                    )));
                }
            }
        }
        let receipt = chain
            .send(TxRequest {
                from: tx.from,
                to: tx.to,
                input: tx.input.clone(),
                value: tx.value,
                gas_price: Some(tx.gas_price),
                gas_limit: None,
                label: tx.label.clone(),
            })
            .map_err(|e| FirstDifference::Evm {
                index,
                message: e.to_string(),
            })?;
        let replayed = crate::chain::TxRecord::of(
            &TxRequest {
                from: tx.from,
                to: tx.to,
                input: Vec::new(),
                value: tx.value,
                gas_price: Some(tx.gas_price),
                gas_limit: None,
                label: String::new(),
            },
            &receipt,
        );
        if tx.label != label {
            return Err(FirstDifference::Transaction {
                index,
                label: tx.label.clone(),
                field: "label",
                recorded: tx.label.clone(),
                replayed: label,
            });
        }
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
            let address = chain
                .view_address(transcript.tester, sig::TESTER_CHALLENGE, &[])
                .map_err(|e| FirstDifference::Evm {
                    index,
                    message: e.to_string(),
                })?;
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
    let disputed = disputed.ok_or_else(|| {
        FirstDifference::Malformed("no startChallenge: nothing was disputed".into())
    })?;
    let mut unfair = Vec::new();
    let need = segment.map_or(1, |(_, length)| {
        most_moves_per_party(length, avm_challenge::classic::CLASSIC_DEGREE).max(1)
    });
    for (role, have) in [
        ("asserter", disputed.asserter_time_left),
        ("challenger", disputed.challenger_time_left),
    ] {
        if have < need {
            unfair.push(match segment {
                Some((_, length)) => format!(
                    "the {role} had {have} blocks to move in, fewer than the {need} moves a \
                     game over {length} AVMGas may ask of it"
                ),
                None => {
                    format!("the {role} had {have} blocks to move in: it could not move at all")
                }
            });
        }
    }
    let inbox = match (
        find_kind(&created, Kind::Bridge),
        find_kind(&created, Kind::SequencerInbox),
        find_kind(&created, Kind::Inbox),
    ) {
        (Some(bridge), Some(sequencer_inbox), Some(inbox)) => Some(crate::setup::InboxContracts {
            bridge,
            sequencer_inbox,
            inbox,
            sequencer: crate::setup::SEQUENCER,
            test_inbox: Some(crate::setup::DELAYED_INBOX),
        }),
        _ => None,
    };
    Ok((
        TranscriptVerdict {
            winner: transcript.winner,
            transactions: transcript.transactions.len(),
            total_gas: transcript.total_gas(),
            move_gas,
            disputed,
            segment,
            unfair,
            truth: None,
        },
        Replayed { chain, inbox },
    ))
}

fn find_kind(created: &[([u8; 20], Kind)], kind: Kind) -> Option<[u8; 20]> {
    created.iter().find(|(_, k)| *k == kind).map(|(a, _)| *a)
}

/// What a program says of a replayed game: whose claim was true.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Truth {
    /// The party whose claim the program's run bears out.
    pub truthful: Role,
    /// The honest assertion's execution hash over the disputed range.
    pub honest_execution_hash: Hash,
    /// The honest assertion's message count.
    pub honest_message_count: u64,
}

/// Replays `transcript` (as [`replay_transcript`]) and re-executes `machine` over the
/// inbox the game's L1 holds (read back from the replayed chain's events, `messages`
/// supplying the data no event carries) to say whose claim was true: the asserter's
/// if its execution hash is the honest run's over the disputed range (the first
/// move's segment, else `gas`, else the whole run) and its message count the honest
/// one, else the challenger's. A winner whose claim was false is a problem in
/// [`TranscriptVerdict::unfair`].
pub fn check_against_program(
    transcript: &Transcript,
    contracts: &Contracts,
    machine: &Machine,
    messages: &[DelayedMessage],
    gas: Option<(u64, u64)>,
) -> Result<TranscriptVerdict, FirstDifference> {
    let (mut verdict, mut replayed) = replay(transcript, contracts)?;
    let failed = |message: String| FirstDifference::Program(message);
    let values = match replayed.inbox {
        Some(ic) => {
            let mut reader = InboxReader::new(ic, 0);
            for m in messages {
                reader.remember_data(&m.data);
            }
            reader
                .sync(&mut replayed.chain)
                .map_err(|e| failed(format!("reading the game's L1 inbox: {e}")))?;
            reader.inbox().clone()
        }
        None => ClassicInbox::new(),
    };
    let range = verdict
        .segment
        .map(|(start, length)| (start, start.saturating_add(length)))
        .or(gas);
    let max = values.len();
    let inbox_values = values.values().to_vec();
    let start = match range {
        Some((from, _)) if from > machine.gas_used() => {
            HonestClassic::new(machine.clone(), &inbox_values, max)
                .execution()
                .machine_at(from)
                .ok_or_else(|| failed(format!("the program's run stops before AVMGas {from}")))?
        }
        _ => machine.clone(),
    };
    let honest = HonestClassic::new(start, &inbox_values, max)
        .assertion(range.map(|(_, end)| end))
        .ok_or_else(|| failed("the program's run never reaches the disputed end".into()))?;
    let honest_hash = honest
        .execution_hash()
        .ok_or_else(|| failed("the program's honest assertion has no execution hash".into()))?;
    let truthful = if honest_hash == verdict.disputed.execution_hash
        && honest.max_message_count() == verdict.disputed.max_message_count
    {
        Role::Asserter
    } else {
        Role::Challenger
    };
    if truthful != verdict.winner {
        verdict.unfair.push(format!(
            "the {} won, but the {}'s claim was true (the program's run over the disputed \
             range has execution hash {honest_hash} and {} messages; the asserter claimed {} \
             and {})",
            verdict.winner.name(),
            truthful.name(),
            honest.max_message_count(),
            verdict.disputed.execution_hash,
            verdict.disputed.max_message_count,
        ));
    }
    verdict.truth = Some(Truth {
        truthful,
        honest_execution_hash: honest_hash,
        honest_message_count: honest.max_message_count(),
    });
    Ok(verdict)
}

/// Re-executes the transcript at `path` against fresh contracts (loaded from
/// `contracts_dir`), allowing only the calls a game needs; the verdict and L1 gas if it
/// replays exactly, else the first difference.
/// The file is read only up to avm_code's default bound on input files.
pub fn check_transcript(
    path: impl AsRef<Path>,
    contracts_dir: impl AsRef<Path>,
) -> Result<TranscriptVerdict, FirstDifference> {
    let path = path.as_ref();
    let text = avm_code::read_file_bounded(
        path,
        avm_code::LoadOptions::DEFAULT_MAX_FILE_BYTES,
        "the default bound on input files",
    )
    .map_err(|e| FirstDifference::Unreadable {
        path: path.display().to_string(),
        message: e.to_string(),
    })?;
    check_transcript_text(&text, path, contracts_dir)
}

/// [`check_transcript`] on the text of a transcript already read (by a caller with
/// its own bound on input files) from `path`, which messages name.
pub fn check_transcript_text(
    text: &[u8],
    path: impl AsRef<Path>,
    contracts_dir: impl AsRef<Path>,
) -> Result<TranscriptVerdict, FirstDifference> {
    let path = path.as_ref();
    let transcript = Transcript::parse(text)?;
    let contracts = crate::contracts::Contracts::load(contracts_dir).map_err(|e| {
        FirstDifference::Unreadable {
            path: path.display().to_string(),
            message: format!("the fixture contracts: {e}"),
        }
    })?;
    replay_transcript(&transcript, &contracts)
}
