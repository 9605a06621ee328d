//! The deployed contracts as a referee of single steps: a challenge set on the
//! referee's chain, with the inbox it has been fed read back through the one
//! delivery path.

use avm_value::{Hash, Int};

use crate::abi::{self, signatures as sig, Token};
use crate::chain::{CallOutcome, Chain, EmbeddedConfig, Hardfork, L1Error, TxRequest};
use crate::contracts::Contracts;
use crate::delivery::{self, DelayedMessage, InboxReader, PostedBatch, Section};
use crate::setup::{ChallengeSet, OWNER};
use crate::step::{Executor, Rejection, StepOutcome, StepOutput, StepResult, Verdict, FIELD_NAMES};
use avm_verifier::classic::ClassicStep;

/// How the referee's chain is set up: what differs between runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct L1Config {
    /// The rule set.
    pub hardfork: Hardfork,
    /// `block.chainid`.
    pub chain_id: u64,
    /// The block gas limit, also every transaction's gas limit.
    pub block_gas_limit: u64,
}

impl Default for L1Config {
    fn default() -> Self {
        L1Config {
            hardfork: Hardfork::London,
            chain_id: 1,
            block_gas_limit: 30_000_000,
        }
    }
}

/// A delayed message as the Bridge recorded it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeliveredMessage {
    /// Its sequence number in the delayed inbox.
    pub seq_num: u64,
    /// The Bridge's accumulator after it (`inboxAccs[seq_num]`).
    pub inbox_acc: Hash,
}

/// A batch for the SequencerInbox: its sections, stamped with the current block.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SequencerBatch {
    /// The sections, in order.
    pub sections: Vec<Section>,
}

/// The challenge set on a referee chain, and the inbox it has been fed.
pub struct L1World {
    chain: Chain,
    set: ChallengeSet,
    reader: InboxReader,
    config: L1Config,
}

impl std::fmt::Debug for L1World {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("L1World")
            .field("config", &self.config)
            .field("set", &self.set)
            .finish_non_exhaustive()
    }
}

impl L1World {
    /// A referee chain under `config` with the challenge set deployed and wired in
    /// block 1 (timestamp 1).
    pub fn new(contracts: &Contracts, config: L1Config) -> Result<L1World, L1Error> {
        let mut chain = Chain::embedded(EmbeddedConfig {
            chain_id: config.chain_id,
            block_gas_limit: config.block_gas_limit,
            ..EmbeddedConfig::referee(config.hardfork)
        })?;
        chain.set_block(1, 1)?;
        let set = ChallengeSet::deploy(&mut chain, contracts, false)?;
        let reader = InboxReader::new(set.inbox_contracts(), 0);
        Ok(L1World {
            chain,
            set,
            reader,
            config,
        })
    }

    /// The configuration the chain was made with.
    pub fn config(&self) -> L1Config {
        self.config
    }

    /// Where the contracts live.
    pub fn deployed(&self) -> ChallengeSet {
        self.set
    }

    /// The chain.
    pub fn chain(&mut self) -> &mut Chain {
        &mut self.chain
    }

    /// The inbox as the L1's events show it.
    pub fn inbox(&mut self) -> Result<&avm_prover::classic::ClassicInbox, L1Error> {
        self.reader.sync(&mut self.chain)?;
        Ok(self.reader.inbox())
    }

    /// Puts the transactions that follow into block `number` at `timestamp` (message
    /// delivery reads both into the message).
    pub fn set_block(&mut self, number: u64, timestamp: u64) -> Result<(), L1Error> {
        self.chain.set_block(number, timestamp)
    }

    /// The current `(block.number, block.timestamp)`.
    pub fn block(&mut self) -> (u64, u64) {
        self.chain.block().unwrap_or_default()
    }

    /// Delivers `message` in its block (see [`delivery::deliver_at`]).
    pub fn deliver_message(
        &mut self,
        message: &DelayedMessage,
    ) -> Result<DeliveredMessage, L1Error> {
        self.reader.remember_data(&message.data);
        let delivered =
            delivery::deliver_at(&mut self.chain, &self.set.inbox_contracts(), message)?;
        Ok(DeliveredMessage {
            seq_num: delivered.index,
            inbox_acc: self.delayed_acc(delivered.index)?,
        })
    }

    /// Posts `batch`, every section stamped with the current block.
    pub fn add_sequencer_batch(&mut self, batch: &SequencerBatch) -> Result<PostedBatch, L1Error> {
        let stamp = self.chain.block()?;
        delivery::post_batch(
            &mut self.chain,
            &mut self.reader,
            &delivery::stamped(stamp, &batch.sections),
        )
    }

    /// The Bridge's accumulator after delayed message `index`.
    pub fn delayed_acc(&mut self, index: u64) -> Result<Hash, L1Error> {
        let bridge = self.set.bridge;
        self.chain
            .view_hash(bridge, sig::INBOX_ACCS, &[Token::Word(abi::uint64(index))])
    }

    /// Messages in the Bridge (the delayed inbox).
    pub fn delayed_count(&mut self) -> Result<u64, L1Error> {
        let bridge = self.set.bridge;
        self.chain.view_u64(bridge, sig::MESSAGE_COUNT, &[])
    }

    /// Messages in the SequencerInbox (what a machine's inbox count runs up to).
    pub fn sequencer_count(&mut self) -> Result<u64, L1Error> {
        let seq = self.set.sequencer_inbox;
        self.chain.view_u64(seq, sig::MESSAGE_COUNT, &[])
    }

    /// The SequencerInbox's accumulator after batch `index`.
    pub fn sequencer_acc(&mut self, index: u64) -> Result<Hash, L1Error> {
        let seq = self.set.sequencer_inbox;
        self.chain
            .view_hash(seq, sig::INBOX_ACCS, &[Token::Word(abi::uint64(index))])
    }

    /// Sends a transaction from `from` to `to` with call data `data` and keeps its
    /// effects (a revert keeps none, as on chain).
    pub fn transact(
        &mut self,
        from: [u8; 20],
        to: [u8; 20],
        data: &[u8],
    ) -> Result<CallOutcome, L1Error> {
        let receipt = self
            .chain
            .send(TxRequest::call(from, to, data.to_vec(), "a transaction"))?;
        Ok(match receipt.revert {
            None => CallOutcome::Success {
                output: receipt.output,
                gas_used: receipt.gas_used,
            },
            Some(reason) => CallOutcome::Failed {
                reason,
                gas_used: receipt.gas_used,
            },
        })
    }

    /// Runs a call from [`OWNER`] to `to` and throws its effects away (an `eth_call`).
    pub fn call(&mut self, to: [u8; 20], data: &[u8]) -> Result<CallOutcome, L1Error> {
        self.chain.call(OWNER, to, data)
    }

    /// The one-step-proof contract a step with this opcode goes to.
    pub fn executor_address(&self, executor: Executor) -> [u8; 20] {
        self.set.verifiers()[executor.index()]
    }

    /// Calls `executeStep([sequencerInbox, bridge], initialMessagesRead, [sendAcc,
    /// logAcc], proof, bproof)` on the contract `opcode` selects, as an `eth_call`.
    ///
    /// `Ok` whether the contract returned or reverted: a revert is the contract's verdict,
    /// reported in [`StepResult::outcome`]; `Err` only when the EVM could not run the call.
    pub fn execute_step(
        &mut self,
        opcode: u8,
        initial_messages_read: Int,
        send_acc: Hash,
        log_acc: Hash,
        proof: &[u8],
        buffer_proof: &[u8],
    ) -> Result<StepResult, L1Error> {
        let executor = Executor::for_opcode(opcode);
        let data = abi::encode_call(
            sig::EXECUTE_STEP,
            &[
                Token::FixedWords(vec![
                    abi::address(self.set.sequencer_inbox),
                    abi::address(self.set.bridge),
                ]),
                Token::Word(abi::uint(initial_messages_read)),
                Token::FixedWords(vec![send_acc.0, log_acc.0]),
                Token::Bytes(proof.to_vec()),
                Token::Bytes(buffer_proof.to_vec()),
            ],
        );
        let to = self.executor_address(executor);
        let bad_return = |len| L1Error::BadReturn {
            call: sig::EXECUTE_STEP.into(),
            len,
        };
        let (outcome, evm_gas) = match self.call(to, &data)? {
            CallOutcome::Failed { reason, gas_used } => (StepOutcome::Reverted(reason), gas_used),
            CallOutcome::Success { output, gas_used } => {
                // (uint64 gas, uint256 afterMessagesRead, bytes32[4] fields): six words.
                let words = abi::decode_words(&output, 6).ok_or(bad_return(output.len()))?;
                let gas = abi::word_to_u64(&words[0]).ok_or(bad_return(output.len()))?;
                (
                    StepOutcome::Returned(StepOutput {
                        gas,
                        after_messages_read: Int::from_be_bytes(words[1]),
                        fields: [
                            Hash(words[2]),
                            Hash(words[3]),
                            Hash(words[4]),
                            Hash(words[5]),
                        ],
                    }),
                    gas_used,
                )
            }
        };
        Ok(StepResult {
            executor,
            outcome,
            evm_gas,
        })
    }
}

impl L1World {
    /// Asks the contracts about a step record: `executeStep` with the before state's
    /// inbox count and accumulators must return the record's machine hashes, after
    /// accumulators, gas delta and after inbox count.
    ///
    /// `Err` only when the EVM could not run the call.
    pub fn check_step(&mut self, record: &ClassicStep) -> Result<Verdict, L1Error> {
        let Some(opcode) = record.proof.first().copied() else {
            return Ok(Verdict::Rejected(Rejection::EmptyProof, None));
        };
        let Some(claimed_gas) = record.after.gas_used.checked_sub(record.before.gas_used) else {
            return Ok(Verdict::Rejected(
                Rejection::GasBackwards {
                    before: record.before.gas_used,
                    after: record.after.gas_used,
                },
                None,
            ));
        };
        let result = self.execute_step(
            opcode,
            Int::from(record.before.inbox_count),
            record.before.send_acc,
            record.before.log_acc,
            &record.proof,
            &record.buffer_proof,
        )?;
        let output = match &result.outcome {
            StepOutcome::Reverted(reason) => {
                let rejection = Rejection::Reverted {
                    executor: result.executor,
                    reason: reason.clone(),
                };
                return Ok(Verdict::Rejected(rejection, Some(result)));
            }
            StepOutcome::Returned(output) => *output,
        };
        let claimed = [
            record.before.machine_hash,
            record.after.machine_hash,
            record.after.send_acc,
            record.after.log_acc,
        ];
        for (index, (contract, claimed)) in output.fields.iter().zip(claimed).enumerate() {
            if *contract != claimed {
                let rejection = Rejection::Field {
                    index,
                    name: FIELD_NAMES[index],
                    contract: *contract,
                    claimed,
                };
                return Ok(Verdict::Rejected(rejection, Some(result)));
            }
        }
        if output.gas != claimed_gas {
            let rejection = Rejection::Gas {
                contract: output.gas,
                claimed: claimed_gas,
            };
            return Ok(Verdict::Rejected(rejection, Some(result)));
        }
        if output.after_messages_read != Int::from(record.after.inbox_count) {
            let rejection = Rejection::MessagesRead {
                contract: output.after_messages_read,
                claimed: record.after.inbox_count,
            };
            return Ok(Verdict::Rejected(rejection, Some(result)));
        }
        Ok(Verdict::Accepted(result))
    }
}
