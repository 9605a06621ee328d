//! Chain parameters: the payload of kind-11 (and legacy kind-4) messages, a list of
//! pairs `keccak(name) ‖ uint value`, accepted only from sender 0, at any point in the
//! chain, and producing no log.
//!
//! ArbOS applies the pairs in order. `ChainOwner` is special: it adds an owner rather
//! than setting a parameter. A name ArbOS does not know stops the message at that
//! pair (the pairs before it stay applied), so [`ChainParameters::unknown_ids`] lets
//! a caller check before sending.

use avm_value::{keccak256, Hash, Int};

use crate::address::Address;

/// The name whose pair adds a chain owner instead of setting a parameter.
pub const CHAIN_OWNER: &str = "ChainOwner";

/// The 35 parameters ArbOS v58 knows, with their defaults (arb-os constants.json,
/// `parameters_int`).
pub const PARAMETER_DEFAULTS: [(&str, u64); 35] = [
    ("SecondsPerBlockNumerator", 15),
    ("SecondsPerBlockDenominator", 1),
    ("FeesEnabled", 0),
    ("NetworkFeeRecipient", 0),
    ("CongestionFeeRecipient", 0),
    ("DefaultAggregator", 0),
    ("DefaultBaseTxFeeL1Gas", 4000),
    ("MinBaseTxFeeL1Gas", 500),
    ("MaxBaseTxFeeL1Gas", 50000),
    ("ChainID", 42161),
    ("ChallengePeriodEthBlocks", 45818),
    ("SpeedLimitPerSecond", 400000),
    ("SecondsPerSend", 1800),
    ("L1GasPerL1CalldataUnit", 1),
    ("L1GasPerStorage", 2000),
    ("AvmGasPerArbGas", 100),
    ("NetworkFeeShareNumerator", 15),
    ("NetworkFeeShareDenominator", 100),
    ("GasPoolMax", 288000000),
    ("TxGasLimit", 8000000),
    ("RetryablePriceBase", 1),
    ("RetryablePricePerByteNumerator", 1),
    ("RetryablePricePerByteDenominator", 256),
    ("RetryableTxRepriceIntervalSeconds", 86400),
    ("L1GasPriceEstimateWeightNumerator", 1),
    ("L1GasPriceEstimateWeightDenominator", 50),
    ("RetryableTxLifetimeSeconds", 604800),
    ("ArbitrumNonZeroBalanceCallStipend", 1000),
    ("GasPriceOracle", 0),
    ("EnableL1ContractAddressAliasing", 1),
    ("MaxContractSize", 49152),
    ("GasUsageTimeConstant", 60),
    ("GasPoolFullnessTargetPercent", 80),
    ("L1GasEstimatorSampleUpdate", 19),
    ("PoolFullnessRatioWeightBasisPoints", 6000),
];

/// The id of a parameter: keccak of its name.
pub fn parameter_id(name: &str) -> Hash {
    keccak256(name.as_bytes())
}

/// The name of a parameter id, if it is `ChainOwner` or one of the 35 v58 knows.
pub fn parameter_name(id: &Hash) -> Option<&'static str> {
    std::iter::once(CHAIN_OWNER)
        .chain(PARAMETER_DEFAULTS.iter().map(|(name, _)| *name))
        .find(|name| parameter_id(name) == *id)
}

/// Why bytes are not a parameter list.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a parameter list is whole 64-byte pairs; {0} bytes is not")]
pub struct ParametersLengthError(pub usize);

/// An ordered list of parameter settings.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ChainParameters {
    /// `(keccak(name), value)` in the order ArbOS applies them.
    pub pairs: Vec<(Hash, Int)>,
}

impl ChainParameters {
    /// No settings.
    pub fn new() -> ChainParameters {
        ChainParameters::default()
    }

    /// Adds `name = value`.
    pub fn set(mut self, name: &str, value: Int) -> ChainParameters {
        self.pairs.push((parameter_id(name), value));
        self
    }

    /// Sets the chain id (what `ArbSys.arbChainID()` returns, and what EIP-155
    /// signatures must be made for). Without it the chain id is 42161.
    pub fn chain_id(self, chain_id: u64) -> ChainParameters {
        self.set("ChainID", Int::from(chain_id))
    }

    /// Adds a chain owner.
    pub fn add_owner(self, owner: Address) -> ChainParameters {
        self.set(CHAIN_OWNER, owner.to_int())
    }

    /// The payload bytes.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(64 * self.pairs.len());
        for (id, value) in &self.pairs {
            out.extend_from_slice(&id.0);
            out.extend_from_slice(&value.to_be_bytes::<32>());
        }
        out
    }

    /// Reads a payload.
    pub fn decode(payload: &[u8]) -> Result<ChainParameters, ParametersLengthError> {
        if payload.len() % 64 != 0 {
            return Err(ParametersLengthError(payload.len()));
        }
        let pairs = payload
            .chunks_exact(64)
            .map(|pair| {
                let (id, value) = pair.split_at(32);
                let mut id_bytes = [0u8; 32];
                id_bytes.copy_from_slice(id);
                let mut value_bytes = [0u8; 32];
                value_bytes.copy_from_slice(value);
                (Hash(id_bytes), Int::from_be_bytes(value_bytes))
            })
            .collect();
        Ok(ChainParameters { pairs })
    }

    /// The ids ArbOS v58 does not know (each would stop the message there).
    pub fn unknown_ids(&self) -> Vec<Hash> {
        self.pairs
            .iter()
            .filter(|(id, _)| parameter_name(id).is_none())
            .map(|(id, _)| *id)
            .collect()
    }
}

/// The init message the Classic rollup's `RollupEventBridge` delivers when the rollup
/// is created (delayed message 0: kind 11, sender 0): `ChallengePeriodEthBlocks`,
/// `SpeedLimitPerSecond` (the rollup's AVM-gas speed limit per block divided by 100),
/// a `ChainOwner`, then the creator's `extraConfig` bytes, which are more pairs (the
/// chain id goes there; without it the chain runs as 42161).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RollupInit {
    /// The rollup's confirmation period in L1 blocks.
    pub challenge_period_eth_blocks: Int,
    /// The rollup's `avmGasSpeedLimitPerBlock`.
    pub avm_gas_speed_limit_per_block: Int,
    /// The rollup's owner.
    pub owner: Address,
    /// Extra settings (`extraConfig`).
    pub extra_config: ChainParameters,
}

impl RollupInit {
    /// The payload: three pairs, then `extraConfig`.
    pub fn encode(&self) -> Vec<u8> {
        let speed_limit_per_second = self.avm_gas_speed_limit_per_block / Int::from(100u8);
        let mut out = ChainParameters::new()
            .set("ChallengePeriodEthBlocks", self.challenge_period_eth_blocks)
            .set("SpeedLimitPerSecond", speed_limit_per_second)
            .add_owner(self.owner)
            .encode();
        out.extend_from_slice(&self.extra_config.encode());
        out
    }
}
