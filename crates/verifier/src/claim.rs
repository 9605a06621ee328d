//! A claim about a machine at one point of its execution: what the parties of a
//! challenge exchange, and what a one-step proof goes from and to.

use avm_value::Hash;

/// The state of an execution, reduced to hashes and counters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Claim {
    /// The machine hash (0 for Halted, 1 for ErrorStop).
    pub machine_hash: Hash,
    /// Inbox messages consumed so far.
    pub inbox_consumed: u64,
    /// Accumulator over the consumed messages: keccak(acc, hash(message)) from zero.
    pub inbox_acc: Hash,
    /// Send accumulator: keccak(acc, keccak(send bytes)) from zero.
    pub send_acc: Hash,
    /// Log accumulator: keccak(acc, hash(log value)) from zero.
    pub log_acc: Hash,
    /// AVMGas charged so far.
    pub gas_used: u64,
    /// Steps executed so far.
    pub steps: u64,
}

impl std::fmt::Display for Claim {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "  machine hash    {}", self.machine_hash)?;
        writeln!(f, "  steps           {}", self.steps)?;
        writeln!(f, "  gas used        {}", self.gas_used)?;
        writeln!(
            f,
            "  inbox consumed  {} (acc {})",
            self.inbox_consumed, self.inbox_acc
        )?;
        writeln!(f, "  send acc        {}", self.send_acc)?;
        write!(f, "  log acc         {}", self.log_acc)
    }
}
