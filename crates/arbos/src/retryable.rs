//! Retryable tickets: the payload of a kind-9 message, which is how the L1 `Inbox`
//! deposits ETH (`depositEth`) and creates retryable L2 calls
//! (`createRetryableTicket`):
//! `uint dest ‖ uint l2CallValue ‖ uint deposit ‖ uint maxSubmissionCost ‖
//! uint creditBack ‖ uint beneficiary ‖ uint maxGas ‖ uint gasPrice ‖
//! uint calldataLength ‖ calldata`.
//!
//! ArbOS credits `deposit` to the alias of the L1 sender, takes `l2CallValue +
//! maxSubmissionCost` from it into the ticket and fees, and logs a receipt whose return
//! data is the ticket id ([`crate::ids::retryable_ticket_id`]) with one
//! `TicketCreated` log from 0x6e. With `maxGas > 0` (and a gas price, when fees are
//! on) it then redeems the ticket at once.

use avm_value::Int;

use crate::address::Address;

/// The fixed part of a retryable payload: nine words.
pub const FIXED_LEN: usize = 9 * 32;

/// Why bytes are not a retryable ticket.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RetryableError {
    /// Fewer than nine words.
    #[error("a retryable payload has 288 fixed bytes, this one {0}")]
    Short(usize),
    /// An address word of 2^160 or more.
    #[error("{0} is not an address")]
    NotAddress(&'static str),
    /// Calldata not as long as its length word says.
    #[error("calldata length word says {declared:#x}, {actual} bytes follow")]
    CalldataLength {
        /// The length word.
        declared: Int,
        /// The bytes after the fixed part.
        actual: usize,
    },
}

/// A retryable ticket submission (kind 9).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RetryableTicket {
    /// The L2 callee of the ticket.
    pub dest: Address,
    /// Wei the ticket's call carries.
    pub l2_call_value: Int,
    /// Wei deposited from L1 to the alias of the sender.
    pub deposit: Int,
    /// The most the sender will pay for the submission.
    pub max_submission_cost: Int,
    /// Who gets the unused submission cost back (0: the sender).
    pub credit_back: Address,
    /// Who may cancel the ticket and gets its value if it expires.
    pub beneficiary: Address,
    /// Gas for an immediate redeem (0: none).
    pub max_gas: Int,
    /// Gas price for the immediate redeem.
    pub gas_price: Int,
    /// Calldata of the ticket's call.
    pub calldata: Vec<u8>,
}

fn word(bytes: &[u8], index: usize) -> Int {
    let mut word = [0u8; 32];
    if let Some(slice) = bytes.get(32 * index..32 * (index + 1)) {
        word.copy_from_slice(slice);
    }
    Int::from_be_bytes(word)
}

impl RetryableTicket {
    /// What `Inbox.depositEth(maxSubmissionCost)` sends with `value` wei: a ticket to
    /// `destination` with no call value, no gas, and `destination` as credit-back and
    /// beneficiary. The Inbox uses msg.sender as both sender and destination (unless
    /// its rewrite mode is on), so the ETH lands on `alias(sender)`; to fund an L2
    /// address X, send from `unalias(X)`.
    pub fn deposit_eth(
        destination: Address,
        value: Int,
        max_submission_cost: Int,
    ) -> RetryableTicket {
        RetryableTicket {
            dest: destination,
            deposit: value,
            max_submission_cost,
            credit_back: destination,
            beneficiary: destination,
            ..RetryableTicket::default()
        }
    }

    /// The payload bytes.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(FIXED_LEN + self.calldata.len());
        out.extend_from_slice(&self.dest.word());
        out.extend_from_slice(&self.l2_call_value.to_be_bytes::<32>());
        out.extend_from_slice(&self.deposit.to_be_bytes::<32>());
        out.extend_from_slice(&self.max_submission_cost.to_be_bytes::<32>());
        out.extend_from_slice(&self.credit_back.word());
        out.extend_from_slice(&self.beneficiary.word());
        out.extend_from_slice(&self.max_gas.to_be_bytes::<32>());
        out.extend_from_slice(&self.gas_price.to_be_bytes::<32>());
        out.extend_from_slice(&Int::from(self.calldata.len()).to_be_bytes::<32>());
        out.extend_from_slice(&self.calldata);
        out
    }

    /// Reads a payload whose calldata is exactly as long as its length word.
    pub fn decode(payload: &[u8]) -> Result<RetryableTicket, RetryableError> {
        if payload.len() < FIXED_LEN {
            return Err(RetryableError::Short(payload.len()));
        }
        let address = |index, name| {
            Address::from_int(&word(payload, index)).ok_or(RetryableError::NotAddress(name))
        };
        let calldata = payload.get(FIXED_LEN..).unwrap_or_default();
        let declared = word(payload, 8);
        if declared != Int::from(calldata.len()) {
            return Err(RetryableError::CalldataLength {
                declared,
                actual: calldata.len(),
            });
        }
        Ok(RetryableTicket {
            dest: address(0, "dest")?,
            l2_call_value: word(payload, 1),
            deposit: word(payload, 2),
            max_submission_cost: word(payload, 3),
            credit_back: address(4, "credit_back")?,
            beneficiary: address(5, "beneficiary")?,
            max_gas: word(payload, 6),
            gas_price: word(payload, 7),
            calldata: calldata.to_vec(),
        })
    }
}
