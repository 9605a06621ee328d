//! The result code of a receipt (`TxResultCode_*` in arb-os's constants.json), with
//! the names and JSON-RPC error texts the Go node (arb-evm/evm/result.go) used.

use std::fmt;

use avm_value::Int;

/// A receipt's result code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ResultCode {
    /// 0: success.
    Success,
    /// 1: the EVM reverted.
    Revert,
    /// 2: dropped because of congestion.
    Congestion,
    /// 3: the sender cannot pay for the gas (fees on).
    InsufficientGasFunds,
    /// 4: the sender cannot pay the value it sends.
    InsufficientBalance,
    /// 5: retired (was "bad sequence number").
    BadSequence,
    /// 6: the message could not be parsed into a transaction.
    FormatError,
    /// 7: a contract already exists at the creation address.
    CannotDeployAtAddress,
    /// 8: retired (was "exceeded the transaction gas limit").
    ExceededTxGasLimit,
    /// 9: not enough gas for the base fee.
    InsufficientGasForBaseFee,
    /// 10: a gas limit below the minimum (50) for a contract call.
    BelowMinimumTxGas,
    /// 11: a gas price bid below the current price.
    GasPriceTooLow,
    /// 12: no gas for a retryable's automatic redeem.
    NoGasForAutoRedeem,
    /// 13: the sender is not allowed to send transactions.
    SenderNotPermitted,
    /// 14: the nonce is lower than the sender's.
    SequenceNumberTooLow,
    /// 15: the nonce is higher than the sender's.
    SequenceNumberTooHigh,
    /// 16: execution ran out of gas.
    ExecutionRanOutOfGas,
    /// 255: unknown failure.
    UnknownFailure,
    /// Any other code.
    Other(Int),
}

const KNOWN: [(u8, ResultCode); 18] = [
    (0, ResultCode::Success),
    (1, ResultCode::Revert),
    (2, ResultCode::Congestion),
    (3, ResultCode::InsufficientGasFunds),
    (4, ResultCode::InsufficientBalance),
    (5, ResultCode::BadSequence),
    (6, ResultCode::FormatError),
    (7, ResultCode::CannotDeployAtAddress),
    (8, ResultCode::ExceededTxGasLimit),
    (9, ResultCode::InsufficientGasForBaseFee),
    (10, ResultCode::BelowMinimumTxGas),
    (11, ResultCode::GasPriceTooLow),
    (12, ResultCode::NoGasForAutoRedeem),
    (13, ResultCode::SenderNotPermitted),
    (14, ResultCode::SequenceNumberTooLow),
    (15, ResultCode::SequenceNumberTooHigh),
    (16, ResultCode::ExecutionRanOutOfGas),
    (255, ResultCode::UnknownFailure),
];

impl ResultCode {
    /// The code ArbOS logged.
    pub fn from_int(code: &Int) -> ResultCode {
        KNOWN
            .iter()
            .find(|(n, _)| Int::from(*n) == *code)
            .map_or(ResultCode::Other(*code), |(_, rc)| *rc)
    }

    /// The number.
    pub fn to_int(&self) -> Int {
        match self {
            ResultCode::Other(n) => *n,
            known => KNOWN
                .iter()
                .find(|(_, rc)| rc == known)
                .map_or(Int::ZERO, |(n, _)| Int::from(*n)),
        }
    }

    /// Whether the transaction succeeded (Ethereum receipt status 1).
    pub fn is_success(&self) -> bool {
        *self == ResultCode::Success
    }

    /// The Go node's name for the code (`ResultType.String()`).
    pub fn name(&self) -> String {
        let name = match self {
            ResultCode::Success => "Return",
            ResultCode::Revert => "Revert",
            ResultCode::Congestion => "Congestion",
            ResultCode::InsufficientGasFunds => "InsufficientGasFunds",
            ResultCode::InsufficientBalance => "InsufficientTxFunds",
            ResultCode::BadSequence => "BadSequence",
            ResultCode::FormatError => "InvalidMessageFormat",
            ResultCode::CannotDeployAtAddress => "ContractAlreadyExists",
            ResultCode::ExceededTxGasLimit => "ExceededTxGasLimit",
            ResultCode::InsufficientGasForBaseFee => "InsufficientGasForBaseFee",
            ResultCode::BelowMinimumTxGas => "MinArbGasForContractTx",
            ResultCode::GasPriceTooLow => "GasPriceTooLow",
            ResultCode::NoGasForAutoRedeem => "NoGasForAutoRedeem",
            ResultCode::SequenceNumberTooLow => "SequenceNumberTooLow",
            ResultCode::SequenceNumberTooHigh => "SequenceNumberTooHigh",
            ResultCode::ExecutionRanOutOfGas => "ExecutionRanOutOfGas",
            // The Go node printed these as their numbers.
            ResultCode::SenderNotPermitted | ResultCode::UnknownFailure | ResultCode::Other(_) => {
                return self.to_int().to_string();
            }
        };
        name.to_owned()
    }

    /// The error message of a failed `eth_call` or `eth_estimateGas` with this code and
    /// no return data, as the Go node's `HandleCallError` wrote it; `None` for success.
    /// (With return data, the Go node reported `execution reverted` plus the decoded
    /// revert reason, whatever the code.)
    pub fn json_rpc_message(&self) -> Option<String> {
        let text = match self {
            ResultCode::Success => return None,
            ResultCode::Revert => "execution reverted",
            ResultCode::Congestion => "tx dropped due to L2 congestion",
            ResultCode::InsufficientBalance => "insufficient balance for transfer",
            ResultCode::InsufficientGasFunds => "not enough funds for gas",
            ResultCode::BadSequence
            | ResultCode::SequenceNumberTooLow
            | ResultCode::SequenceNumberTooHigh => "invalid transaction nonce",
            ResultCode::FormatError => "invalid message format",
            ResultCode::GasPriceTooLow => "gas price too low",
            ResultCode::SenderNotPermitted => "forbidden sender address",
            ResultCode::ExecutionRanOutOfGas => "execution ran out of gas",
            _ => return Some(format!("execution reverted: error code {}", self.name())),
        };
        Some(text.to_owned())
    }
}

impl fmt::Display for ResultCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.name(), self.to_int())
    }
}
