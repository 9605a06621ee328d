//! The state of a machine: plain data, apart from the engine that steps it.

use avm_code::{Code, Program};
use avm_value::{CodePointRef, Hash, Int, Value};

use crate::Stack;

/// Whether a machine can run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Status {
    /// An extensive state: the machine can execute instructions.
    Running,
    /// Entered by `halt`; the machine hash is 0.
    Halted,
    /// Entered by an Error with no error handler; the machine hash is 1.
    ErrorStop,
}

impl Status {
    /// The name used in CLI output and JSON: running / halted / errorstop.
    pub fn name(self) -> &'static str {
        match self {
            Status::Running => "running",
            Status::Halted => "halted",
            Status::ErrorStop => "errorstop",
        }
    }
}

/// Where the machine is in its inbox.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct InboxPosition {
    /// Messages consumed so far (by `inbox`, or taken into the pending slot by
    /// `inboxpeek`).
    pub consumed: u64,
    /// Accumulator over the consumed messages: `acc = keccak(acc, hash(message))`,
    /// starting from zero. A verifier compares it with the inbox it knows.
    pub acc: Hash,
}

/// Running totals of the machine's outputs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct OutputAccumulators {
    /// Number of sends.
    pub send_count: u64,
    /// `send_acc = keccak(send_acc, keccak(send bytes))`, from zero.
    pub send_acc: Hash,
    /// Number of logs.
    pub log_count: u64,
    /// `log_acc = keccak(log_acc, hash(log value))`, from zero.
    pub log_acc: Hash,
}

/// A complete AVM: its code and every register, stack and counter.
#[derive(Clone, Debug)]
pub struct Machine {
    pub(crate) code: Code,
    pub(crate) status: Status,
    pub(crate) pc: CodePointRef,
    pub(crate) stack: Stack,
    pub(crate) aux: Stack,
    pub(crate) register: Value,
    pub(crate) static_value: Value,
    pub(crate) static_hash: Option<Hash>,
    pub(crate) gas_remaining: Int,
    pub(crate) err_pc: CodePointRef,
    pub(crate) pending: Option<Value>,
    pub(crate) inbox: InboxPosition,
    pub(crate) outputs: OutputAccumulators,
    pub(crate) steps: u64,
    pub(crate) gas_used: u64,
}

/// Every part of a machine's state, for building one from saved parts.
#[derive(Clone, Debug)]
pub struct MachineParts {
    /// All code.
    pub code: Code,
    /// Status.
    pub status: Status,
    /// Current code point.
    pub pc: CodePointRef,
    /// Data stack, bottom first.
    pub stack: Vec<Value>,
    /// Aux stack, bottom first.
    pub aux_stack: Vec<Value>,
    /// Register.
    pub register: Value,
    /// Static.
    pub static_value: Value,
    /// AVMGas remaining.
    pub gas_remaining: Int,
    /// Error code point register.
    pub err_pc: CodePointRef,
    /// Pending message taken by `inboxpeek`, if any.
    pub pending: Option<Value>,
    /// Inbox position.
    pub inbox: InboxPosition,
    /// Output accumulators.
    pub outputs: OutputAccumulators,
    /// Steps executed.
    pub steps: u64,
    /// AVMGas charged.
    pub gas_used: u64,
}

impl Machine {
    /// A machine at the start of a loaded program: empty stacks, register None, AVMGas
    /// remaining MaxUint256, no error handler (the error code point behind the program).
    pub fn new(program: Program) -> Machine {
        let entry = program.entry();
        Machine::from_parts(MachineParts {
            code: program.code,
            status: Status::Running,
            pc: entry,
            stack: Vec::new(),
            aux_stack: Vec::new(),
            register: Value::none(),
            static_value: program.static_value,
            gas_remaining: Int::MAX,
            err_pc: CodePointRef::new(0, 0),
            pending: None,
            inbox: InboxPosition::default(),
            outputs: OutputAccumulators::default(),
            steps: 0,
            gas_used: 0,
        })
    }

    /// A machine from saved parts.
    pub fn from_parts(parts: MachineParts) -> Machine {
        Machine {
            code: parts.code,
            status: parts.status,
            pc: parts.pc,
            stack: Stack::from_values(parts.stack),
            aux: Stack::from_values(parts.aux_stack),
            register: parts.register,
            static_value: parts.static_value,
            static_hash: None,
            gas_remaining: parts.gas_remaining,
            err_pc: parts.err_pc,
            pending: parts.pending,
            inbox: parts.inbox,
            outputs: parts.outputs,
            steps: parts.steps,
            gas_used: parts.gas_used,
        }
    }

    /// All parts of the state (cloned; values are shared, not copied).
    pub fn to_parts(&self) -> MachineParts {
        MachineParts {
            code: self.code.clone(),
            status: self.status,
            pc: self.pc,
            stack: self.stack.values().to_vec(),
            aux_stack: self.aux.values().to_vec(),
            register: self.register.clone(),
            static_value: self.static_value.clone(),
            gas_remaining: self.gas_remaining,
            err_pc: self.err_pc,
            pending: self.pending.clone(),
            inbox: self.inbox,
            outputs: self.outputs,
            steps: self.steps,
            gas_used: self.gas_used,
        }
    }

    /// The code store.
    pub fn code(&self) -> &Code {
        &self.code
    }

    /// Running, halted or errorstop.
    pub fn status(&self) -> Status {
        self.status
    }

    /// The current code point.
    pub fn pc(&self) -> CodePointRef {
        self.pc
    }

    /// The data stack.
    pub fn stack(&self) -> &Stack {
        &self.stack
    }

    /// The aux stack.
    pub fn aux_stack(&self) -> &Stack {
        &self.aux
    }

    /// The register.
    pub fn register(&self) -> &Value {
        &self.register
    }

    /// The static value.
    pub fn static_value(&self) -> &Value {
        &self.static_value
    }

    /// AVMGas remaining.
    pub fn gas_remaining(&self) -> &Int {
        &self.gas_remaining
    }

    /// The Error CodePoint register.
    pub fn error_code_point(&self) -> CodePointRef {
        self.err_pc
    }

    /// The message `inboxpeek` took from the inbox and `inbox` has not yet consumed.
    pub fn pending_message(&self) -> Option<&Value> {
        self.pending.as_ref()
    }

    /// Inbox position and accumulator.
    pub fn inbox_position(&self) -> InboxPosition {
        self.inbox
    }

    /// Output counts and accumulators.
    pub fn outputs(&self) -> OutputAccumulators {
        self.outputs
    }

    /// Instructions executed so far (blocked attempts do not count).
    pub fn steps(&self) -> u64 {
        self.steps
    }

    /// AVMGas charged so far, counted as the C++ AVM's gas_used counts it.
    pub fn gas_used(&self) -> u64 {
        self.gas_used
    }
}
