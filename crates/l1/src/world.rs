//! An EVM chain holding the deployed Classic contracts, wired as upstream's tests wire
//! them, with the block and gas-price knobs a referee needs.

use revm::context::result::{ExecutionResult, Output};
use revm::context::{BlockEnv, Context, TxEnv};
use revm::database::{CacheDB, EmptyDB};
use revm::handler::{MainBuilder, MainnetContext, MainnetEvm};
use revm::primitives::hardfork::SpecId;
use revm::primitives::{Address, Bytes, TxKind, U256};
use revm::{ExecuteCommitEvm, ExecuteEvm};

use crate::abi::{self, Token, Word};
use crate::contracts::{self, Contract, Contracts};
use crate::step::{Executor, RevertReason, StepOutcome, StepOutput, StepResult};
use avm_value::{Hash, Int};

/// The account that deploys everything, owns the Bridge, and sends every transaction
/// unless told otherwise.
pub const OWNER: [u8; 20] = [
    0x0a, 0x0a, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01,
];
/// The account allowed to post sequencer batches.
pub const SEQUENCER: [u8; 20] = [
    0x0a, 0x0a, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02,
];
/// The account the Bridge accepts delayed messages from (an allowed inbox).
pub const DELAYED_INBOX: [u8; 20] = [
    0x0a, 0x0a, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x03,
];

/// The rule set the EVM runs under.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Hardfork {
    /// London (EIP-1559, EIP-3529): the rules the Classic contracts lived under; the default.
    #[default]
    London,
    /// The Merge (Paris).
    Paris,
    /// Shanghai (PUSH0, initcode metering).
    Shanghai,
    /// Cancun (transient storage, EIP-6780 SELFDESTRUCT).
    Cancun,
    /// Prague (EIP-7623 calldata floor).
    Prague,
    /// Osaka.
    Osaka,
}

impl Hardfork {
    /// The name transcripts and the CLI use (Ethereum's, lower case).
    pub fn name(self) -> &'static str {
        match self {
            Hardfork::London => "london",
            Hardfork::Paris => "paris",
            Hardfork::Shanghai => "shanghai",
            Hardfork::Cancun => "cancun",
            Hardfork::Prague => "prague",
            Hardfork::Osaka => "osaka",
        }
    }

    /// The hardfork named `name` (Ethereum's names, any case; `merge` is Paris).
    pub fn from_name(name: &str) -> Option<Hardfork> {
        Some(match name.to_ascii_lowercase().as_str() {
            "london" => Hardfork::London,
            "paris" | "merge" => Hardfork::Paris,
            "shanghai" => Hardfork::Shanghai,
            "cancun" => Hardfork::Cancun,
            "prague" => Hardfork::Prague,
            "osaka" => Hardfork::Osaka,
            _ => return None,
        })
    }

    /// revm's rule set for this hardfork.
    pub(crate) fn spec(self) -> SpecId {
        match self {
            Hardfork::London => SpecId::LONDON,
            Hardfork::Paris => SpecId::MERGE,
            Hardfork::Shanghai => SpecId::SHANGHAI,
            Hardfork::Cancun => SpecId::CANCUN,
            Hardfork::Prague => SpecId::PRAGUE,
            Hardfork::Osaka => SpecId::OSAKA,
        }
    }
}

/// How the chain is set up: what differs between runs of the referee.
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

/// Why the EVM world could not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum L1Error {
    /// The EVM refused the transaction itself (not a revert: a validation or database error).
    #[error("the EVM refused the transaction: {0}")]
    Evm(String),
    /// Deploying a contract failed.
    #[error("deploying {contract} failed: {reason}")]
    Deploy {
        /// The contract.
        contract: String,
        /// The revert or halt.
        reason: RevertReason,
    },
    /// A call that sets up or drives the contracts reverted or halted.
    #[error("{call} failed: {reason}")]
    Call {
        /// The function called.
        call: &'static str,
        /// The revert or halt.
        reason: RevertReason,
    },
    /// A call returned data of the wrong shape for its ABI.
    #[error("{call} returned {len} bytes, not the ABI's shape")]
    BadReturn {
        /// The function called.
        call: &'static str,
        /// How many bytes came back.
        len: usize,
    },
    /// A batch or message was refused before reaching the EVM.
    #[error("{0}")]
    Invalid(String),
}

/// What a transaction did, reduced to what the referee reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallOutcome {
    /// It returned (or deployed); with the return data (or the new address, right-aligned
    /// in 32 bytes) and the gas the transaction used.
    Success {
        /// Return data, or for a deployment the new contract's address as a word.
        output: Vec<u8>,
        /// Gas used by the whole transaction (21,000 base and call data included).
        gas_used: u64,
    },
    /// It reverted or halted.
    Failed {
        /// Why.
        reason: RevertReason,
        /// Gas used by the whole transaction.
        gas_used: u64,
    },
}

/// The addresses of the deployed contracts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deployed {
    /// OneStepProof.
    pub one_step_proof: [u8; 20],
    /// OneStepProof2.
    pub one_step_proof2: [u8; 20],
    /// OneStepProofHash.
    pub one_step_proof_hash: [u8; 20],
    /// Bridge (the delayed inbox's accumulators).
    pub bridge: [u8; 20],
    /// SequencerInbox.
    pub sequencer_inbox: [u8; 20],
    /// RollupMock.
    pub rollup_mock: [u8; 20],
}

type Evm = MainnetEvm<MainnetContext<CacheDB<EmptyDB>>>;

/// An in-memory EVM chain with the Classic contracts deployed and wired together.
pub struct L1World {
    evm: Evm,
    config: L1Config,
    gas_price: u128,
    deployed: Deployed,
}

impl std::fmt::Debug for L1World {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("L1World")
            .field("config", &self.config)
            .field("gas_price", &self.gas_price)
            .field("deployed", &self.deployed)
            .finish_non_exhaustive()
    }
}

impl L1World {
    /// A chain under `config` with the contracts deployed by [`OWNER`]; the Bridge
    /// initialized (owner [`OWNER`]) with [`DELAYED_INBOX`] as an allowed inbox; the
    /// SequencerInbox initialized with the Bridge, [`SEQUENCER`] and the RollupMock.
    /// Block 1, timestamp 1, gas price 0.
    pub fn new(contracts: &Contracts, config: L1Config) -> Result<L1World, L1Error> {
        let ctx: MainnetContext<CacheDB<EmptyDB>> =
            Context::new(CacheDB::new(EmptyDB::default()), config.hardfork.spec())
                .modify_cfg_chained(|cfg| {
                    cfg.chain_id = config.chain_id;
                    cfg.disable_nonce_check = true;
                    cfg.disable_balance_check = true;
                    cfg.disable_base_fee = true;
                    // Osaka caps a transaction's gas at 2^24; the referee keeps one limit.
                    cfg.tx_gas_limit_cap = Some(u64::MAX);
                })
                .modify_block_chained(|block: &mut BlockEnv| {
                    block.number = U256::from(1u64);
                    block.timestamp = U256::from(1u64);
                    block.gas_limit = config.block_gas_limit;
                    block.basefee = 0;
                });
        let evm = ctx.build_mainnet();
        let mut world = L1World {
            evm,
            config,
            gas_price: 0,
            deployed: Deployed {
                one_step_proof: [0; 20],
                one_step_proof2: [0; 20],
                one_step_proof_hash: [0; 20],
                bridge: [0; 20],
                sequencer_inbox: [0; 20],
                rollup_mock: [0; 20],
            },
        };
        world.deployed = Deployed {
            one_step_proof: world.deploy(&contracts.one_step_proof)?,
            one_step_proof2: world.deploy(&contracts.one_step_proof2)?,
            one_step_proof_hash: world.deploy(&contracts.one_step_proof_hash)?,
            bridge: world.deploy(&contracts.bridge)?,
            sequencer_inbox: world.deploy(&contracts.sequencer_inbox)?,
            rollup_mock: world.deploy(&contracts.rollup_mock)?,
        };
        let d = world.deployed;
        world.expect_success(
            OWNER,
            d.bridge,
            contracts::BRIDGE_INITIALIZE,
            &abi::encode_call(contracts::BRIDGE_INITIALIZE, &[]),
        )?;
        world.expect_success(
            OWNER,
            d.bridge,
            contracts::BRIDGE_SET_INBOX,
            &abi::encode_call(
                contracts::BRIDGE_SET_INBOX,
                &[
                    Token::Word(abi::address(DELAYED_INBOX)),
                    Token::Word(abi::boolean(true)),
                ],
            ),
        )?;
        world.expect_success(
            OWNER,
            d.sequencer_inbox,
            contracts::SEQ_INITIALIZE,
            &abi::encode_call(
                contracts::SEQ_INITIALIZE,
                &[
                    Token::Word(abi::address(d.bridge)),
                    Token::Word(abi::address(SEQUENCER)),
                    Token::Word(abi::address(d.rollup_mock)),
                ],
            ),
        )?;
        Ok(world)
    }

    /// The configuration the chain was made with.
    pub fn config(&self) -> L1Config {
        self.config
    }

    /// Where the contracts live.
    pub fn deployed(&self) -> Deployed {
        self.deployed
    }

    /// Sets `block.number` and `block.timestamp` for the transactions that follow
    /// (message delivery reads both into the message).
    pub fn set_block(&mut self, number: u64, timestamp: u64) {
        self.evm.ctx.modify_block(|block| {
            block.number = U256::from(number);
            block.timestamp = U256::from(timestamp);
        });
    }

    /// The current `(block.number, block.timestamp)`.
    pub fn block(&self) -> (u64, u64) {
        let block = &self.evm.ctx.block;
        (
            u64::try_from(block.number).unwrap_or(u64::MAX),
            u64::try_from(block.timestamp).unwrap_or(u64::MAX),
        )
    }

    /// Sets `tx.gasprice` for the transactions that follow (0 by default; a delayed
    /// message records it).
    pub fn set_gas_price(&mut self, gas_price: u128) {
        self.gas_price = gas_price;
    }

    /// The gas price transactions are sent with.
    pub fn gas_price(&self) -> u128 {
        self.gas_price
    }

    /// Deploys `contract` from [`OWNER`], returning its address.
    pub fn deploy(&mut self, contract: &Contract) -> Result<[u8; 20], L1Error> {
        let tx = self.tx(OWNER, TxKind::Create, contract.creation_bytecode.clone())?;
        let result = self
            .evm
            .transact_commit(tx)
            .map_err(|e| L1Error::Evm(e.to_string()))?;
        match result {
            ExecutionResult::Success {
                output: Output::Create(_, Some(address)),
                ..
            } => Ok(address.into_array()),
            other => Err(L1Error::Deploy {
                contract: contract.name.clone(),
                reason: failure_reason(&other),
            }),
        }
    }

    /// Sends a transaction from `from` to `to` with call data `data`, and keeps its
    /// effects (a revert keeps none, as on chain).
    pub fn transact(
        &mut self,
        from: [u8; 20],
        to: [u8; 20],
        data: &[u8],
    ) -> Result<CallOutcome, L1Error> {
        let tx = self.tx(from, TxKind::Call(Address::from(to)), data.to_vec())?;
        let result = self
            .evm
            .transact_commit(tx)
            .map_err(|e| L1Error::Evm(e.to_string()))?;
        Ok(outcome(&result))
    }

    /// Runs a call from [`OWNER`] to `to` and throws its effects away (an `eth_call`).
    pub fn call(&mut self, to: [u8; 20], data: &[u8]) -> Result<CallOutcome, L1Error> {
        let tx = self.tx(OWNER, TxKind::Call(Address::from(to)), data.to_vec())?;
        let result = self
            .evm
            .transact(tx)
            .map_err(|e| L1Error::Evm(e.to_string()))?;
        Ok(outcome(&result.result))
    }

    /// A transaction that must succeed; its return data.
    pub(crate) fn expect_success(
        &mut self,
        from: [u8; 20],
        to: [u8; 20],
        call: &'static str,
        data: &[u8],
    ) -> Result<Vec<u8>, L1Error> {
        match self.transact(from, to, data)? {
            CallOutcome::Success { output, .. } => Ok(output),
            CallOutcome::Failed { reason, .. } => Err(L1Error::Call { call, reason }),
        }
    }

    /// A view call that must succeed and return `count` words.
    pub(crate) fn view_words(
        &mut self,
        to: [u8; 20],
        call: &'static str,
        args: &[Token],
        count: usize,
    ) -> Result<Vec<Word>, L1Error> {
        match self.call(to, &abi::encode_call(call, args))? {
            CallOutcome::Success { output, .. } => {
                abi::decode_words(&output, count).ok_or(L1Error::BadReturn {
                    call,
                    len: output.len(),
                })
            }
            CallOutcome::Failed { reason, .. } => Err(L1Error::Call { call, reason }),
        }
    }

    /// The one-step-proof contract a step with this opcode goes to.
    pub fn executor_address(&self, executor: Executor) -> [u8; 20] {
        match executor {
            Executor::OneStepProof => self.deployed.one_step_proof,
            Executor::OneStepProof2 => self.deployed.one_step_proof2,
            Executor::OneStepProofHash => self.deployed.one_step_proof_hash,
        }
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
            contracts::EXECUTE_STEP,
            &[
                Token::FixedWords(vec![
                    abi::address(self.deployed.sequencer_inbox),
                    abi::address(self.deployed.bridge),
                ]),
                Token::Word(abi::uint(initial_messages_read)),
                Token::FixedWords(vec![send_acc.0, log_acc.0]),
                Token::Bytes(proof.to_vec()),
                Token::Bytes(buffer_proof.to_vec()),
            ],
        );
        let to = self.executor_address(executor);
        let (outcome, evm_gas) = match self.call(to, &data)? {
            CallOutcome::Failed { reason, gas_used } => (StepOutcome::Reverted(reason), gas_used),
            CallOutcome::Success { output, gas_used } => {
                // (uint64 gas, uint256 afterMessagesRead, bytes32[4] fields): six words.
                let words = abi::decode_words(&output, 6).ok_or(L1Error::BadReturn {
                    call: contracts::EXECUTE_STEP,
                    len: output.len(),
                })?;
                let gas = abi::word_to_u64(&words[0]).ok_or(L1Error::BadReturn {
                    call: contracts::EXECUTE_STEP,
                    len: output.len(),
                })?;
                let after_messages_read = Int::from_be_bytes(words[1]);
                let fields = [
                    Hash(words[2]),
                    Hash(words[3]),
                    Hash(words[4]),
                    Hash(words[5]),
                ];
                (
                    StepOutcome::Returned(StepOutput {
                        gas,
                        after_messages_read,
                        fields,
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

    fn tx(&self, from: [u8; 20], kind: TxKind, data: Vec<u8>) -> Result<TxEnv, L1Error> {
        TxEnv::builder()
            .caller(Address::from(from))
            .gas_limit(self.config.block_gas_limit)
            .gas_price(self.gas_price)
            .kind(kind)
            .data(Bytes::from(data))
            .chain_id(Some(self.config.chain_id))
            .build()
            .map_err(|e| L1Error::Evm(format!("{e:?}")))
    }
}

fn gas_used(result: &ExecutionResult) -> u64 {
    result.gas().tx_gas_used()
}

fn outcome(result: &ExecutionResult) -> CallOutcome {
    match result {
        ExecutionResult::Success { output, .. } => CallOutcome::Success {
            output: match output {
                Output::Call(bytes) => bytes.to_vec(),
                Output::Create(_, address) => {
                    abi::address(address.map(Address::into_array).unwrap_or_default()).to_vec()
                }
            },
            gas_used: gas_used(result),
        },
        _ => CallOutcome::Failed {
            reason: failure_reason(result),
            gas_used: gas_used(result),
        },
    }
}

/// Why a transaction did not succeed, from its result.
pub(crate) fn failure_reason(result: &ExecutionResult) -> RevertReason {
    match result {
        ExecutionResult::Revert { output, .. } => match abi::decode_error_string(output) {
            Some(message) => RevertReason::Message(message),
            None => RevertReason::Data(output.to_vec()),
        },
        ExecutionResult::Halt { reason, .. } => RevertReason::Halt(format!("{reason:?}")),
        ExecutionResult::Success { .. } => {
            RevertReason::Halt("succeeded without an address".into())
        }
    }
}
