//! Running transactions: sent by the chain's own accounts, raw from wallets, or
//! simulated (`eth_call`, `eth_estimateGas`).

use alloy_eips::eip2930::AccessList;
use revm::context::result::{ExecutionResult, Output};
use revm::context::{ContextTr, TxEnv};
use revm::primitives::{Address, Bytes, TxKind, U256};
use revm::{DatabaseCommit, ExecuteEvm};

use avm_value::Hash;

use super::blocks::ReceiptRecord;
use super::{txs, Embedded, Mining, Rules, StoredTx};
use crate::chain::types::{
    CallOutcome, L1Error, Log, Receipt, RevertReason, TxRequest, TxStatus, MAX_TX_GAS,
};

impl Embedded {
    fn tx_env(
        &self,
        from: [u8; 20],
        to: Option<[u8; 20]>,
        input: &[u8],
        value: u128,
        gas: GasTerms<'_>,
        nonce: u64,
    ) -> Result<TxEnv, L1Error> {
        let kind = match to {
            Some(to) => TxKind::Call(Address::from(to)),
            None => TxKind::Create,
        };
        let mut builder = TxEnv::builder()
            .caller(Address::from(from))
            .nonce(nonce)
            .gas_limit(gas.limit)
            .kind(kind)
            .value(U256::from(value))
            .data(Bytes::copy_from_slice(input))
            .chain_id(gas.chain_id);
        builder = match gas.priority_fee {
            Some(tip) => builder
                .tx_type(Some(2))
                .gas_price(gas.price)
                .gas_priority_fee(Some(tip))
                .access_list(gas.access_list.clone()),
            None if gas.tx_type == 1 => builder
                .tx_type(Some(1))
                .gas_price(gas.price)
                .access_list(gas.access_list.clone()),
            None => builder.gas_price(gas.price),
        };
        builder
            .build()
            .map_err(|e| L1Error::Invalid(format!("a transaction revm cannot take: {e:?}")))
    }

    /// Runs a transaction and keeps its effects in the pending block.
    fn execute(&mut self, tx: StoredTx) -> Result<Hash, L1Error> {
        if self.config.mining == Mining::Instant && !self.pending.txs.is_empty() {
            self.open_next()?;
        }
        let env = self.tx_env(
            tx.from,
            tx.to,
            &tx.input,
            tx.value,
            GasTerms {
                limit: tx.gas_limit,
                price: tx.gas_price,
                priority_fee: tx.priority_fee,
                chain_id: tx.chain_id,
                tx_type: tx.tx_type,
                access_list: &tx.access_list,
            },
            tx.nonce,
        )?;
        let result = self.evm.transact(env).map_err(|e| match e {
            revm::context::result::EVMError::Transaction(invalid) => {
                L1Error::Refused(txs::geth_message(&invalid))
            }
            other => L1Error::Evm(other.to_string()),
        })?;
        let touched = &mut self.pending.touched;
        for (address, account) in &result.state {
            if !account.is_touched() {
                continue;
            }
            if !touched.accounts.contains(address) {
                touched.accounts.push(*address);
            }
            if account.is_created() || account.is_selfdestructed() {
                touched.cleared.push(*address);
            }
            for (slot, value) in &account.storage {
                if value.is_changed() {
                    touched.slots.push((*address, *slot));
                }
            }
        }
        self.evm.ctx.db_mut().commit(result.state);
        let exec = result.result;
        let gas_used = exec.gas().tx_gas_used();
        let first_log = self.pending_log_count();
        let (status, created, output, revert, logs) = match &exec {
            ExecutionResult::Success { output, logs, .. } => {
                let (created, output) = match output {
                    Output::Call(bytes) => (None, bytes.to_vec()),
                    Output::Create(_, address) => (address.map(Address::into_array), Vec::new()),
                };
                (TxStatus::Ok, created, output, None, logs.clone())
            }
            ExecutionResult::Revert { output, .. } => (
                TxStatus::Revert,
                None,
                output.to_vec(),
                Some(RevertReason::from_data(output)),
                Vec::new(),
            ),
            ExecutionResult::Halt { reason, .. } => (
                TxStatus::Revert,
                None,
                Vec::new(),
                Some(RevertReason::Halt(format!("{reason:?}"))),
                Vec::new(),
            ),
        };
        let logs = logs
            .into_iter()
            .enumerate()
            .map(|(i, log)| Log {
                address: log.address.into_array(),
                topics: log.data.topics().iter().map(|t| Hash(t.0)).collect(),
                data: log.data.data.to_vec(),
                block: self.pending.number,
                tx_hash: tx.hash,
                log_index: first_log + i as u64,
            })
            .collect();
        self.pending.gas_used = self.pending.gas_used.saturating_add(gas_used);
        let record = ReceiptRecord {
            tx_hash: tx.hash,
            block: self.pending.number,
            index: self.pending.txs.len() as u64,
            from: tx.from,
            to: tx.to,
            status,
            gas_used,
            cumulative_gas_used: self.pending.gas_used,
            gas_price: tx.effective_gas_price(),
            created,
            logs,
            output,
            revert,
        };
        let hash = tx.hash;
        let mut stored = tx;
        stored.block = self.pending.number;
        stored.index = record.index;
        self.receipts.insert(hash, record);
        self.txs.insert(hash, stored);
        self.pending.txs.push(hash);
        if self.config.mining == Mining::Instant {
            self.open_next()?;
        }
        Ok(hash)
    }

    fn pending_log_count(&self) -> u64 {
        self.pending
            .txs
            .iter()
            .filter_map(|h| self.receipts.get(h))
            .map(|r| r.logs.len() as u64)
            .sum()
    }

    /// Sends `req` as the account `req.from` (signed when the chain holds its key, as
    /// an impersonated transaction otherwise), its nonce the account's.
    pub fn send(&mut self, req: &TxRequest) -> Result<Receipt, L1Error> {
        let gas_limit = req
            .gas_limit
            .unwrap_or(self.config.block_gas_limit)
            .min(MAX_TX_GAS);
        let nonce = self.nonce(req.from);
        let tx = StoredTx::build(
            req,
            nonce,
            gas_limit,
            self.config.chain_id,
            self.keys.get(&req.from),
        )?;
        let hash = self.execute(tx)?;
        self.receipt(&hash)
            .ok_or_else(|| L1Error::Evm("a transaction mined without a receipt".into()))
    }

    /// Takes a signed raw transaction (what `eth_sendRawTransaction` receives): checks
    /// its signature and chain id, runs it (nonce and balance checked under real
    /// rules) and returns its hash.
    pub fn submit_raw(&mut self, raw: &[u8]) -> Result<Hash, L1Error> {
        let tx = StoredTx::decode_raw(raw, self.config.chain_id)?;
        if tx.gas_limit > self.config.block_gas_limit {
            return Err(L1Error::Refused("exceeds block gas limit".into()));
        }
        let affordable = u128::from(tx.gas_limit)
            .checked_mul(tx.gas_price)
            .and_then(|cost| cost.checked_add(tx.value))
            .is_some();
        if !affordable {
            return Err(L1Error::Refused(
                "insufficient funds for gas * price + value".into(),
            ));
        }
        self.execute(tx)
    }

    /// Runs a call on the newest state and throws its effects away.
    pub fn call(
        &mut self,
        from: [u8; 20],
        to: [u8; 20],
        input: &[u8],
    ) -> Result<CallOutcome, L1Error> {
        self.simulate(&Simulation {
            from,
            to: Some(to),
            input: input.to_vec(),
            value: 0,
            gas_limit: None,
            gas_price: 0,
        })
    }

    /// Runs `sim` on the newest state (nonce and balance checks off, as `eth_call`
    /// does) and throws its effects away.
    pub fn simulate(&mut self, sim: &Simulation) -> Result<CallOutcome, L1Error> {
        let limit = sim
            .gas_limit
            .unwrap_or(self.config.block_gas_limit)
            .min(MAX_TX_GAS);
        let env = self.tx_env(
            sim.from,
            sim.to,
            &sim.input,
            sim.value,
            GasTerms {
                limit,
                price: sim.gas_price,
                priority_fee: None,
                chain_id: Some(self.config.chain_id),
                tx_type: 0,
                access_list: &AccessList::default(),
            },
            self.nonce(sim.from),
        )?;
        let rules = self.config.rules;
        self.evm.ctx.modify_cfg(|cfg| {
            cfg.disable_nonce_check = true;
            cfg.disable_balance_check = true;
        });
        let result = self.evm.transact(env);
        self.evm.ctx.modify_cfg(|cfg| {
            cfg.disable_nonce_check = false;
            cfg.disable_balance_check = rules == Rules::Referee;
        });
        let result = result.map_err(|e| match e {
            revm::context::result::EVMError::Transaction(invalid) => {
                L1Error::Refused(txs::geth_message(&invalid))
            }
            other => L1Error::Evm(other.to_string()),
        })?;
        let exec = result.result;
        let gas_used = exec.gas().tx_gas_used();
        Ok(match exec {
            ExecutionResult::Success { output, .. } => CallOutcome::Success {
                output: match output {
                    Output::Call(bytes) => bytes.to_vec(),
                    Output::Create(bytes, _) => bytes.to_vec(),
                },
                gas_used,
            },
            ExecutionResult::Revert { output, .. } => CallOutcome::Failed {
                reason: RevertReason::from_data(&output),
                gas_used,
            },
            ExecutionResult::Halt { reason, .. } => CallOutcome::Failed {
                reason: RevertReason::Halt(format!("{reason:?}")),
                gas_used,
            },
        })
    }

    /// The least gas limit under which `sim` succeeds (as `eth_estimateGas`), or the
    /// failure at the block gas limit.
    pub fn estimate_gas(&mut self, sim: &Simulation) -> Result<Result<u64, RevertReason>, L1Error> {
        let block_limit = self.config.block_gas_limit;
        let mut sim = sim.clone();
        sim.gas_limit = Some(sim.gas_limit.unwrap_or(block_limit).min(block_limit));
        let used = match self.simulate(&sim)? {
            CallOutcome::Success { gas_used, .. } => gas_used,
            CallOutcome::Failed { reason, .. } => return Ok(Err(reason)),
        };
        let mut high = sim.gas_limit.unwrap_or(block_limit);
        let mut low = used.saturating_sub(1);
        // The used gas is enough unless the 63/64 rule or a refund says otherwise.
        sim.gas_limit = Some(used);
        if matches!(self.simulate(&sim)?, CallOutcome::Success { .. }) {
            return Ok(Ok(used));
        }
        while high - low > 1 {
            let mid = low + (high - low) / 2;
            sim.gas_limit = Some(mid);
            match self.simulate(&sim)? {
                CallOutcome::Success { .. } => high = mid,
                CallOutcome::Failed { .. } => low = mid,
            }
        }
        Ok(Ok(high))
    }
}

/// What a call or an estimate runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Simulation {
    /// The sender.
    pub from: [u8; 20],
    /// The callee; None for a creation.
    pub to: Option<[u8; 20]>,
    /// Call data.
    pub input: Vec<u8>,
    /// Wei sent along.
    pub value: u128,
    /// The gas limit (None: the block's).
    pub gas_limit: Option<u64>,
    /// The gas price.
    pub gas_price: u128,
}

/// The gas terms of a transaction.
#[derive(Debug, Clone, Copy)]
struct GasTerms<'a> {
    limit: u64,
    /// The gas price, or the max fee of an EIP-1559 transaction.
    price: u128,
    /// An EIP-1559 transaction's priority fee.
    priority_fee: Option<u128>,
    chain_id: Option<u64>,
    /// The EIP-2718 type.
    tx_type: u8,
    /// A typed transaction's access list.
    access_list: &'a AccessList,
}
