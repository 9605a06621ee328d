//! A validator: an L1 account that stakes on the Rollup, moves its stake along the
//! nodes its watcher judges correct, makes new nodes, confirms the next node when it
//! may be confirmed and rejects a wrong one, as the Go validator's strategies do
//! (arb-node-core/staker): each [`Validator::act`] is one round of them.

use avm_l1::abi::{self, Token};
use avm_l1::chain::ChainHandle;
use avm_l1::{CallOutcome, Chain, L1Error, Rollup, TxRequest};
use avm_value::Hash;

use crate::assertion::confirm_next_node_input;
use crate::contest::{self, create_challenge_input, faulty_claim, Contest};
use crate::rollup::{self, Resolution};
use crate::watcher::{Proposal, Watcher};
use crate::ValidatorError;

/// How a validator behaves (the Go validator's strategies, and a liar for tests).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Strategy {
    /// Watches and reports; sends nothing.
    Watchtower,
    /// Stakes only when a wrong node appears; confirms and rejects.
    Defensive,
    /// Keeps its stake on the newest correct node; makes nodes only against wrong ones.
    StakeLatest,
    /// Makes a new node whenever the Rollup allows one.
    MakeNodes,
    /// Makes one node whose claim is false (for demonstrations and tests).
    Faulty(Fault),
}

/// What a faulty validator's node claims falsely.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// A wrong machine hash (the challenge liar's false state).
    MachineHash,
    /// One send more than the machine made, with a send accumulator to match.
    Sends,
    /// One message more than the machine read (made once the L1 holds one more).
    Messages,
}

impl Strategy {
    /// The strategy named `name` (`watchtower`, `defensive`, `stake-latest`,
    /// `make-nodes`, `faulty`, `faulty-sends`, `faulty-messages`).
    pub fn parse(name: &str) -> Option<Strategy> {
        Some(match name {
            "watchtower" => Strategy::Watchtower,
            "defensive" => Strategy::Defensive,
            "stake-latest" => Strategy::StakeLatest,
            "make-nodes" => Strategy::MakeNodes,
            "faulty" => Strategy::Faulty(Fault::MachineHash),
            "faulty-sends" => Strategy::Faulty(Fault::Sends),
            "faulty-messages" => Strategy::Faulty(Fault::Messages),
            _ => return None,
        })
    }

    /// Its name, as [`Strategy::parse`] takes it.
    pub fn name(self) -> &'static str {
        match self {
            Strategy::Watchtower => "watchtower",
            Strategy::Defensive => "defensive",
            Strategy::StakeLatest => "stake-latest",
            Strategy::MakeNodes => "make-nodes",
            Strategy::Faulty(Fault::MachineHash) => "faulty",
            Strategy::Faulty(Fault::Sends) => "faulty-sends",
            Strategy::Faulty(Fault::Messages) => "faulty-messages",
        }
    }

    /// Whether it is one of the faulty ones.
    pub fn is_faulty(self) -> bool {
        matches!(self, Strategy::Faulty(_))
    }
}

/// What a validator did on the L1 in one round.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// `newStake()` with this many wei.
    Staked {
        /// The stake.
        wei: u128,
        /// L1 gas the call used.
        gas: u64,
    },
    /// `stakeOnNewNode`: the new node's number and hash.
    Created {
        /// The node's number.
        node: u64,
        /// Its hash.
        hash: Hash,
        /// The AVMGas its assertion covers.
        avm_gas: u64,
        /// L1 gas the call used.
        gas: u64,
    },
    /// `stakeOnExistingNode` on this node.
    MovedStake {
        /// The node.
        node: u64,
        /// L1 gas the call used.
        gas: u64,
    },
    /// `confirmNextNode` confirmed this node.
    Confirmed {
        /// The node.
        node: u64,
        /// L1 gas the call used.
        gas: u64,
    },
    /// `rejectNextNode` rejected this node.
    Rejected {
        /// The node.
        node: u64,
        /// L1 gas the call used.
        gas: u64,
    },
    /// A wrong node was seen (what a watchtower reports).
    SawWrong(u64),
    /// `createChallenge` against the staker on a wrong node.
    Challenged {
        /// The Challenge contract.
        challenge: [u8; 20],
        /// The wrong node's staker.
        opponent: [u8; 20],
        /// L1 gas the call used.
        gas: u64,
    },
    /// `returnOldDeposit` for this staker (its stake became withdrawable funds).
    Returned {
        /// The staker.
        staker: [u8; 20],
        /// L1 gas the call used.
        gas: u64,
    },
    /// `withdrawStakerFunds`: this many wei back to the validator.
    Withdrew {
        /// The funds.
        wei: u128,
        /// L1 gas the call used.
        gas: u64,
    },
    /// A move in a challenge.
    Moved {
        /// The Challenge contract.
        challenge: [u8; 20],
        /// The function called.
        function: &'static str,
        /// L1 gas it used.
        gas: u64,
    },
}

/// When a node is worth making while nothing disputes the latest one (the Go
/// validator's thresholds): any one of them reached.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Thresholds {
    /// Sends (L2-to-L1 messages) waiting to be asserted.
    pub sends: u64,
    /// AVM gas executed since the latest node.
    pub gas: u64,
    /// L1 blocks since the latest node was proposed.
    pub blocks: u64,
}

impl Thresholds {
    /// The Go validator's: 5 sends, 100 G gas, 960 blocks (about 3 hours of L1).
    pub const GO: Thresholds = Thresholds {
        sends: 5,
        gas: 100_000_000_000,
        blocks: 960,
    };

    /// Whether `proposal`, made `blocks` after its parent, reaches one of them.
    pub fn reached(&self, proposal: &Proposal, blocks: u64) -> bool {
        let (before, after) = (&proposal.assertion.before.state, &proposal.assertion.after);
        after.send_count - before.send_count >= self.sends
            || after.gas_used - before.gas_used >= self.gas
            || blocks >= self.blocks
    }
}

impl std::fmt::Display for Action {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let wei_in_eth = 1_000_000_000_000_000_000u128;
        match self {
            Action::Staked { wei, gas } => write!(
                f,
                "staked {}.{:03} ETH, {gas} L1 gas",
                wei / wei_in_eth,
                wei % wei_in_eth / (wei_in_eth / 1000)
            ),
            Action::Created {
                node,
                hash,
                avm_gas,
                gas,
            } => write!(
                f,
                "created node {node} ({hash}) over {avm_gas} AVMGas, {gas} L1 gas"
            ),
            Action::MovedStake { node, gas } => {
                write!(f, "moved its stake to node {node}, {gas} L1 gas")
            }
            Action::Confirmed { node, gas } => write!(f, "confirmed node {node}, {gas} L1 gas"),
            Action::Rejected { node, gas } => write!(f, "rejected node {node}, {gas} L1 gas"),
            Action::Returned { staker, gas } => write!(
                f,
                "returned the stake of 0x{}, {gas} L1 gas",
                hex::encode(staker)
            ),
            Action::Withdrew { wei, gas } => write!(
                f,
                "withdrew {}.{:03} ETH from the Rollup, {gas} L1 gas",
                wei / wei_in_eth,
                wei % wei_in_eth / (wei_in_eth / 1000)
            ),
            Action::SawWrong(node) => write!(f, "found node {node} wrong"),
            Action::Challenged {
                challenge,
                opponent,
                gas,
            } => write!(
                f,
                "challenged 0x{} at Challenge 0x{}, {gas} L1 gas",
                hex::encode(opponent),
                hex::encode(challenge)
            ),
            Action::Moved {
                challenge,
                function,
                gas,
            } => write!(
                f,
                "{function} in Challenge 0x{}, {gas} L1 gas",
                hex::encode(challenge)
            ),
        }
    }
}

/// One validator.
#[derive(Debug)]
pub struct Validator {
    /// Its L1 account (whitelisted by the Rollup's owner).
    pub address: [u8; 20],
    /// How it behaves.
    pub strategy: Strategy,
    /// When a node is worth making.
    pub thresholds: Thresholds,
    rollup: Rollup,
    reported: std::collections::BTreeSet<u64>,
    /// The challenge it is in, once it has looked at it.
    contest: Option<Contest>,
    /// A faulty validator lies once.
    lied: bool,
    /// The latest confirmed node when old stakers were last looked for.
    refunds_checked: Option<u64>,
}

/// Sends `req` if a call of it succeeds now; its receipt (None: the call would revert,
/// so nothing was sent).
fn send_if_ok(chain: &mut Chain, req: TxRequest) -> Result<Option<avm_l1::Receipt>, L1Error> {
    let to = req.to.unwrap_or_default();
    if req.value == 0 {
        if let CallOutcome::Failed { .. } = chain.call(req.from, to, &req.input)? {
            return Ok(None);
        }
    }
    chain.must(req).map(Some)
}

impl Validator {
    /// Sends `input` to the Rollup from this validator if a call of it succeeds now
    /// (None: it would revert, so nothing was sent).
    fn send_to_rollup(
        &self,
        l1: &ChainHandle,
        input: Vec<u8>,
        label: &'static str,
    ) -> Result<Option<avm_l1::Receipt>, ValidatorError> {
        let (rollup, me) = (self.rollup.rollup, self.address);
        Ok(l1.with(move |chain| send_if_ok(chain, TxRequest::call(me, rollup, input, label)))??)
    }

    /// Sends `call(address who)` to the Rollup (`returnOldDeposit`, `withdrawStakerFunds`,
    /// `rejectNextNode`), if it would succeed.
    fn send_for(
        &self,
        l1: &ChainHandle,
        call: &'static str,
        who: [u8; 20],
    ) -> Result<Option<avm_l1::Receipt>, ValidatorError> {
        let input = abi::encode_call(call, &[Token::Word(abi::address(who))]);
        self.send_to_rollup(l1, input, call)
    }

    /// A validator of `rollup` sending from `address`.
    pub fn new(rollup: Rollup, address: [u8; 20], strategy: Strategy) -> Validator {
        Validator {
            address,
            strategy,
            thresholds: Thresholds::GO,
            rollup,
            reported: Default::default(),
            contest: None,
            lied: false,
            refunds_checked: None,
        }
    }

    /// One round: resolve the next node if it can be, stake and move the stake along
    /// correct nodes, make a node when the strategy says so. `watcher` must have just
    /// synced.
    pub fn act(
        &mut self,
        watcher: &Watcher,
        l1: &ChainHandle,
    ) -> Result<Vec<Action>, ValidatorError> {
        let mut done = Vec::new();
        let Some(status) = watcher.status().copied() else {
            return Ok(done);
        };
        let wrong: Vec<u64> = watcher
            .tree()
            .nodes()
            .filter(|n| n.resolution == Resolution::Pending && watcher.is_wrong(n.num))
            .map(|n| n.num)
            .collect();
        for num in &wrong {
            if self.reported.insert(*num) {
                done.push(Action::SawWrong(*num));
            }
        }
        if self.strategy == Strategy::Watchtower {
            return Ok(done);
        }
        self.resolve(watcher, &status, l1, &mut done)?;
        let (rollup, me) = (self.rollup, self.address);
        let mut staker = l1.with(move |chain| rollup::staker(chain, &rollup, me))??;
        if let Some(challenge) = staker.challenge {
            self.play(watcher, challenge, l1, &mut done)?;
            return Ok(done);
        }
        self.contest = None;
        self.settle(&status, &staker, wrong.is_empty(), l1, &mut done)?;
        let active = match self.strategy {
            Strategy::Defensive => !wrong.is_empty(),
            _ => true,
        };
        if !active {
            return Ok(done);
        }
        // A faulty validator lies once: once any node is wrong (its own, as the L1
        // shows after a restart too), it only watches.
        self.lied |= watcher.tree().nodes().any(|n| watcher.is_wrong(n.num));
        if self.strategy.is_faulty() && self.lied {
            return Ok(done);
        }
        if !staker.staked {
            let stake = status.required_stake;
            let receipt = l1.with(move |chain| {
                chain.must(
                    TxRequest::call(
                        me,
                        rollup.rollup,
                        abi::encode_call("newStake()", &[]),
                        "Rollup.newStake",
                    )
                    .with_value(stake),
                )
            })??;
            done.push(Action::Staked {
                wei: stake,
                gas: receipt.gas_used,
            });
            staker.latest_staked_node = status.latest_confirmed;
        }
        // Move along the correct nodes already made.
        let mut at = staker.latest_staked_node;
        while let Some(next) = watcher
            .tree()
            .children(at)
            .find(|c| watcher.is_correct(c.num) && c.resolution != Resolution::Rejected)
            .map(|c| (c.num, c.hash))
        {
            if next.0 >= status.first_unresolved {
                let input = abi::encode_call(
                    "stakeOnExistingNode(uint256,bytes32)",
                    &[Token::Word(abi::uint64(next.0)), Token::Word(next.1 .0)],
                );
                let sent = self.send_to_rollup(l1, input, "Rollup.stakeOnExistingNode")?;
                let Some(receipt) = sent else {
                    break;
                };
                done.push(Action::MovedStake {
                    node: next.0,
                    gas: receipt.gas_used,
                });
            }
            at = next.0;
        }
        if let Some(action) = self.challenge_wrong_sibling(watcher, at, l1)? {
            done.push(action);
            return Ok(done);
        }
        let make = match self.strategy {
            Strategy::MakeNodes | Strategy::Faulty(_) => true,
            Strategy::StakeLatest | Strategy::Defensive => {
                watcher.tree().children(at).any(|c| watcher.is_wrong(c.num))
            }
            Strategy::Watchtower => false,
        };
        if !make || !watcher.is_correct(at) {
            return Ok(done);
        }
        // A validator claiming one message too many asserts over one message fewer
        // than the L1 holds, and claims them all.
        let cap = match self.strategy {
            Strategy::Faulty(Fault::Messages) => Some(status.message_count.saturating_sub(1)),
            _ => None,
        };
        let Some(proposal) = watcher.propose(at, cap) else {
            return Ok(done);
        };
        let disputed = watcher.tree().children(at).next().is_some();
        let since = watcher
            .node(at)
            .map_or(0, |n| status.block.saturating_sub(n.state.proposed_block));
        // A faulty validator lies at its first chance (it exists to be caught).
        let eager = self.strategy.is_faulty();
        if !disputed && !eager && !self.thresholds.reached(&proposal, since) {
            return Ok(done);
        }
        if let Some(action) = self.create(watcher, proposal, l1)? {
            done.push(action);
        }
        Ok(done)
    }

    /// Sends `stakeOnNewNode` for `proposal` (a faulty validator first bends its
    /// machine hash).
    fn create(
        &mut self,
        watcher: &Watcher,
        mut proposal: Proposal,
        l1: &ChainHandle,
    ) -> Result<Option<Action>, ValidatorError> {
        if let Strategy::Faulty(fault) = self.strategy {
            proposal.assertion.after = faulty_claim(&proposal.assertion.after, fault);
            if fault == Fault::Messages {
                proposal.batch = watcher
                    .inbox()
                    .batch_proof(proposal.assertion.after.inbox_count)
                    .ok_or(ValidatorError::Internal(
                        "no batch holds the claimed message",
                    ))?;
            }
            let execution = proposal
                .assertion
                .execution_hash()
                .ok_or(ValidatorError::Internal(
                    "a proposal that uses less gas than its start",
                ))?;
            proposal.node_hash = crate::assertion::node_hash(
                proposal.has_sibling,
                &proposal.last_hash,
                &execution,
                &proposal.batch.batch_acc,
            );
        }
        let input = proposal
            .assertion
            .stake_on_new_node_input(&proposal.node_hash, &proposal.batch.proof);
        let sent = self.send_to_rollup(l1, input, "Rollup.stakeOnNewNode")?;
        let Some(receipt) = sent else {
            return Ok(None);
        };
        self.lied |= self.strategy.is_faulty();
        let topic = abi::event_topic(rollup::EV_NODE_CREATED);
        let node = receipt
            .logs
            .iter()
            .find(|l| l.address == self.rollup.rollup && l.topics.first() == Some(&topic))
            .and_then(|l| l.topics.get(1))
            .and_then(|t| abi::word_to_u64(&t.0))
            .ok_or_else(|| L1Error::Events("stakeOnNewNode emitted no NodeCreated".into()))?;
        Ok(Some(Action::Created {
            node,
            hash: proposal.node_hash,
            avm_gas: proposal.assertion.after.gas_used - proposal.assertion.before.state.gas_used,
            gas: receipt.gas_used,
        }))
    }

    /// Stakes that have done their work go back: a defensive validator's own once no
    /// wrong node is left (its stake is on a confirmed node), any other staker's whose
    /// newest node is confirmed (the Go validator's `removeOldStakers`), and the funds
    /// the Rollup holds for this validator are withdrawn.
    fn settle(
        &mut self,
        status: &rollup::RollupStatus,
        staker: &rollup::StakerStatus,
        nothing_wrong: bool,
        l1: &ChainHandle,
        done: &mut Vec<Action>,
    ) -> Result<(), ValidatorError> {
        let (rollup, me) = (self.rollup, self.address);
        let mut refund = Vec::new();
        if staker.staked
            && self.strategy == Strategy::Defensive
            && nothing_wrong
            && staker.latest_staked_node <= status.latest_confirmed
        {
            refund.push(me);
        }
        if self.refunds_checked != Some(status.latest_confirmed) {
            self.refunds_checked = Some(status.latest_confirmed);
            let stakers = l1.with(move |chain| rollup::stakers(chain, &rollup))??;
            refund.extend(
                stakers
                    .iter()
                    .filter(|s| {
                        s.address != me
                            && !s.challenged
                            && s.latest_staked_node < status.latest_confirmed
                    })
                    .map(|s| s.address),
            );
        }
        for who in refund {
            if let Some(receipt) = self.send_for(l1, "returnOldDeposit(address)", who)? {
                done.push(Action::Returned {
                    staker: who,
                    gas: receipt.gas_used,
                });
            }
        }
        let withdrawable = l1
            .with(move |chain| rollup::staker(chain, &rollup, me))??
            .withdrawable;
        if withdrawable > 0 {
            if let Some(receipt) = self.send_for(l1, "withdrawStakerFunds(address)", me)? {
                done.push(Action::Withdrew {
                    wei: withdrawable,
                    gas: receipt.gas_used,
                });
            }
        }
        Ok(())
    }

    /// Starts a challenge when this validator is staked on `at` and a wrong sibling of
    /// it (or a node under one) has a staker in no challenge.
    fn challenge_wrong_sibling(
        &self,
        watcher: &Watcher,
        at: u64,
        l1: &ChainHandle,
    ) -> Result<Option<Action>, ValidatorError> {
        if self.strategy.is_faulty() || !watcher.is_correct(at) {
            return Ok(None);
        }
        // This validator is staked on `at` and every node before it: a wrong sibling of
        // any of them that is still unresolved is a conflict to challenge.
        let mut conflicts: Vec<(u64, u64)> = Vec::new();
        let mut mine = at;
        while let Some(node) = watcher.node(mine).filter(|n| n.num != 0) {
            if node.resolution != Resolution::Pending {
                break;
            }
            conflicts.extend(
                watcher
                    .tree()
                    .children(node.prev)
                    .filter(|n| {
                        n.num != mine
                            && n.resolution == Resolution::Pending
                            && watcher.is_wrong(n.num)
                    })
                    .map(|n| (mine, n.num)),
            );
            if node.prev >= mine {
                break;
            }
            mine = node.prev;
        }
        if conflicts.is_empty() {
            return Ok(None);
        }
        let rollup = self.rollup;
        let stakers = l1.with(move |chain| rollup::stakers(chain, &rollup))??;
        // Whether `wrong` is `node` or comes before it.
        let under = |wrong: u64, mut node: u64| -> bool {
            loop {
                if node == wrong {
                    return true;
                }
                match watcher.node(node) {
                    Some(n) if n.num != 0 && n.prev < node && node > wrong => node = n.prev,
                    _ => return false,
                }
            }
        };
        let Some((ours, theirs, opponent)) = conflicts.iter().find_map(|&(ours, wrong)| {
            stakers
                .iter()
                .find(|s| {
                    s.address != self.address && !s.challenged && under(wrong, s.latest_staked_node)
                })
                .map(|s| (ours, wrong, s.address))
        }) else {
            return Ok(None);
        };
        let (older, younger) = if theirs < ours {
            ((theirs, opponent), (ours, self.address))
        } else {
            ((ours, self.address), (theirs, opponent))
        };
        // Past the common end time (the older node's dispute window) the Rollup
        // settles a challenge at once for the older node's staker: never start one
        // this validator would lose that way.
        if younger.1 == self.address {
            let (Some(old_node), Some(young_node)) =
                (watcher.node(older.0), watcher.node(younger.0))
            else {
                return Ok(None);
            };
            let (prev, old_num, young_proposed) =
                (old_node.prev, old_node.num, young_node.state.proposed_block);
            let old_proposed = old_node.state.proposed_block;
            let common_end = l1.with(move |chain| -> Result<Option<u64>, L1Error> {
                let (Some(parent), Some(old)) = (
                    rollup::node_view(chain, &rollup, prev)?,
                    rollup::node_view(chain, &rollup, old_num)?,
                ) else {
                    return Ok(None);
                };
                let extra = chain.view_u64(rollup.rollup, "extraChallengeTimeBlocks()", &[])?;
                Ok(old.deadline_block.checked_sub(old_proposed).map(|window| {
                    parent
                        .first_child_block
                        .saturating_add(window)
                        .saturating_add(extra)
                }))
            })??;
            if common_end.is_none_or(|end| end < young_proposed) {
                return Ok(None);
            }
        }
        let Some(input) = create_challenge_input(watcher, older, younger) else {
            return Ok(None);
        };
        let sent = self.send_to_rollup(l1, input, "Rollup.createChallenge")?;
        let Some(receipt) = sent else {
            return Ok(None);
        };
        let topic = abi::event_topic(rollup::EV_CHALLENGE_STARTED);
        let challenge = receipt
            .logs
            .iter()
            .find(|l| l.address == rollup.rollup && l.topics.first() == Some(&topic))
            .and_then(|l| l.topics.get(1))
            .and_then(|t| abi::word_address(&t.0))
            .ok_or_else(|| {
                L1Error::Events("createChallenge emitted no RollupChallengeStarted".into())
            })?;
        Ok(Some(Action::Challenged {
            challenge,
            opponent,
            gas: receipt.gas_used,
        }))
    }

    /// One move in `challenge` when it is this validator's turn, or `timeout()` when
    /// the opponent's blocks have run out.
    fn play(
        &mut self,
        watcher: &Watcher,
        challenge: [u8; 20],
        l1: &ChainHandle,
        done: &mut Vec<Action>,
    ) -> Result<(), ValidatorError> {
        let (rollup, me) = (self.rollup, self.address);
        if self.contest.as_ref().map(|c| c.started.challenge) != Some(challenge) {
            let (started, degree) = l1.with(move |chain| {
                let started = contest::started(chain, &rollup, challenge)?;
                let degree =
                    chain.view_u64(rollup.rollup, "challengeExecutionBisectionDegree()", &[])?;
                Ok::<_, L1Error>((started, degree))
            })??;
            self.contest = Contest::new(watcher, started, me, self.strategy.is_faulty(), degree);
        }
        let Some(contest) = self.contest.as_mut() else {
            return Ok(());
        };
        let initial = contest.initial.clone();
        let from_block = contest.started.block;
        let state = l1.with(move |chain| {
            let state = contest::game_state(chain, challenge, &initial, from_block)?;
            Ok::<_, L1Error>((state, chain.block()?.0))
        })??;
        let (Some(state), block) = state else {
            return Ok(());
        };
        let (input, function) = if state.responder == me {
            match contest.respond(watcher, &state.prev) {
                Some(mv) => mv,
                None => return Ok(()),
            }
        } else if block >= state.timeout_block {
            (contest::timeout_input(), "timeout")
        } else {
            return Ok(());
        };
        let sent = l1.with(move |chain| {
            chain.send(TxRequest::call(
                me,
                challenge,
                input,
                format!("Challenge.{function}"),
            ))
        })??;
        if sent.status == avm_l1::TxStatus::Ok {
            done.push(Action::Moved {
                challenge,
                function,
                gas: sent.gas_used,
            });
        }
        Ok(())
    }

    /// Confirms or rejects the first unresolved node when the Rollup allows it.
    fn resolve(
        &self,
        watcher: &Watcher,
        status: &rollup::RollupStatus,
        l1: &ChainHandle,
        done: &mut Vec<Action>,
    ) -> Result<(), ValidatorError> {
        let next = status.first_unresolved;
        if next > status.latest_node_created {
            return Ok(());
        }
        let me = self.address;
        if let Some(end) = watcher.run_of(next) {
            let Some(node) = watcher.node(next) else {
                return Ok(());
            };
            let Some(assertion) = node.assertion else {
                return Ok(());
            };
            let input = confirm_next_node_input(&assertion, &end.sends);
            let sent = self.send_to_rollup(l1, input, "Rollup.confirmNextNode")?;
            if let Some(receipt) = sent {
                done.push(Action::Confirmed {
                    node: next,
                    gas: receipt.gas_used,
                });
            }
        } else if watcher.is_wrong(next) {
            // A child of the latest confirmed node is rejected only past its deadline
            // (a node on a branch that lost is rejected at once): wait for it without
            // trying every staker each round.
            let rollup = self.rollup;
            let view = l1.with(move |chain| rollup::node_view(chain, &rollup, next))??;
            if view.is_some_and(|v| {
                v.prev == status.latest_confirmed && status.block < v.deadline_block
            }) {
                return Ok(());
            }
            // The call names a staker on a sibling of the node (when its parent is the
            // latest confirmed node): this validator, or else any staker that is.
            let mut sent = self.send_for(l1, "rejectNextNode(address)", me)?;
            if sent.is_none() {
                let stakers = l1.with(move |chain| rollup::stakers(chain, &rollup))??;
                for staker in stakers.iter().filter(|s| s.address != me) {
                    sent = self.send_for(l1, "rejectNextNode(address)", staker.address)?;
                    if sent.is_some() {
                        break;
                    }
                }
            }
            if let Some(receipt) = sent {
                done.push(Action::Rejected {
                    node: next,
                    gas: receipt.gas_used,
                });
            }
        }
        Ok(())
    }
}
