//! Calls (`eth_call`, `eth_estimateGas`, the state queries) on a copy of the machine:
//! the state overrides applied first through ArbOS's test precompile, then the call as
//! the Go node ran it, a contract transaction (subtype 1) from the caller; its receipt
//! is the answer and the copy is thrown away.

use avm_arbos::{
    unalias, Address, ArbosLog, InboxMessage, L2Message, MessageKind, ResultCode, UnsignedCall,
};
use avm_l1::abi::{self, Token};
use avm_rpc::AccountOverride;
use avm_value::Int;

use crate::l2::L2Machine;
use crate::NodeError;

/// ArbosTest, the precompile that sets accounts' state (only for sender 0).
const ARBOS_TEST: u8 = 0x69;

/// A call to run on a copy of the machine.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CallSpec {
    /// The caller as the L2 sees it (0: the chain's own, which pays no fees).
    pub from: Address,
    /// The callee (None: a creation).
    pub to: Option<Address>,
    /// Wei sent.
    pub value: Int,
    /// Call data.
    pub data: Vec<u8>,
    /// The gas limit (None: ArbOS's transaction limit).
    pub gas: Option<u64>,
    /// The gas price bid (0 is taken with fees off, and from sender 0).
    pub gas_price: Int,
    /// Accounts' state as the call should see it instead of the chain's.
    pub overrides: Vec<AccountOverride>,
}

/// What a call returned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallResult {
    /// ArbOS's result code.
    pub code: ResultCode,
    /// Return (or revert) data.
    pub output: Vec<u8>,
    /// ArbGas used.
    pub gas_used: u64,
    /// The price of a unit of L2 computation it paid (0 with fees off).
    pub computation_price: Int,
}

/// The address of ArbOS's precompile `n` (0x64 ArbSys, 0x65 ArbInfo, ...).
pub(crate) fn precompile(n: u8) -> Address {
    let mut address = [0u8; 20];
    address[19] = n;
    Address(address)
}

/// Feeds one contract transaction from `from` and reads its receipt.
fn transact(
    machine: &mut L2Machine,
    stamp: (u64, u64),
    seq: u64,
    spec: &CallSpec,
) -> Result<CallResult, NodeError> {
    let message = InboxMessage::new(
        MessageKind::L2,
        unalias(spec.from),
        L2Message::UnsignedContractTx(UnsignedCall {
            max_gas: Int::from(spec.gas.unwrap_or(1 << 40)),
            gas_price: spec.gas_price,
            dest: spec.to.unwrap_or(Address([0; 20])),
            value: spec.value,
            calldata: spec.data.clone(),
        })
        .encode(),
    )
    .at(stamp.0, stamp.1)
    .with_seq_num(seq);
    let outputs = machine.feed(vec![message.to_value()])?;
    for log in outputs.logs {
        if let ArbosLog::Receipt(receipt) = log {
            // ArbOS aliases the L1 sender back: the receipt names the caller.
            if receipt.request.sender == spec.from || spec.from.is_zero() {
                return Ok(CallResult {
                    code: receipt.code,
                    output: receipt.return_data,
                    gas_used: u64::try_from(receipt.gas_used).unwrap_or(u64::MAX),
                    computation_price: receipt.fee_stats.prices.l2_computation,
                });
            }
        }
    }
    Err(NodeError::Log(
        "ArbOS answered the call with no receipt".into(),
    ))
}

/// The ArbosTest calls that give `account` its overridden state.
fn override_calls(account: &AccountOverride) -> Vec<(&'static str, Vec<u8>)> {
    let who = Token::Word(abi::address(account.address));
    let mut calls = Vec::new();
    if let Some(code) = &account.code {
        let signature = "setCode(address,bytes)";
        calls.push((
            signature,
            abi::encode_call(signature, &[who.clone(), Token::Bytes(code.clone())]),
        ));
    }
    if let Some(nonce) = account.nonce {
        let signature = "setNonce(address,uint256)";
        calls.push((
            signature,
            abi::encode_call(signature, &[who.clone(), Token::Word(abi::uint64(nonce))]),
        ));
    }
    if let Some(balance) = account.balance {
        let signature = "setBalance(address,uint256)";
        calls.push((
            signature,
            abi::encode_call(signature, &[who.clone(), Token::Word(balance)]),
        ));
    }
    if let Some(state) = &account.state {
        let pairs: Vec<u8> = state
            .iter()
            .flat_map(|(k, v)| k.iter().chain(v.iter()).copied())
            .collect();
        let signature = "setState(address,bytes)";
        calls.push((
            signature,
            abi::encode_call(signature, &[who.clone(), Token::Bytes(pairs)]),
        ));
    }
    for (slot, value) in &account.state_diff {
        let signature = "store(address,uint256,uint256)";
        calls.push((
            signature,
            abi::encode_call(
                signature,
                &[who.clone(), Token::Word(*slot), Token::Word(*value)],
            ),
        ));
    }
    calls
}

/// Runs `spec` on `machine` (a copy), its overrides first, at L1 `stamp`, with inbox
/// sequence numbers from `seq` on.
pub(crate) fn run(
    machine: &mut L2Machine,
    stamp: (u64, u64),
    mut seq: u64,
    spec: &CallSpec,
) -> Result<CallResult, NodeError> {
    for account in &spec.overrides {
        for (signature, data) in override_calls(account) {
            let done = transact(
                machine,
                stamp,
                seq,
                &CallSpec {
                    to: Some(precompile(ARBOS_TEST)),
                    data,
                    ..CallSpec::default()
                },
            )?;
            seq += 1;
            if done.code != ResultCode::Success {
                return Err(NodeError::Input(format!(
                    "state override of 0x{}: ArbOS refused {signature} ({})",
                    hex::encode(account.address),
                    done.code
                )));
            }
        }
    }
    transact(machine, stamp, seq, spec)
}
