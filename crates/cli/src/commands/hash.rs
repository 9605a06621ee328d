//! `avm hash`: the hash of a value given as value JSON or as marshaled hex.

use avm_code::Code;
use avm_value::{parse_value, unmarshal, value_hash, NoCode};

use crate::error::CliError;

/// Arguments of `avm hash`.
#[derive(clap::Args, Debug)]
pub struct HashArgs {
    /// The value, in value JSON (e.g. '{"Tuple":[{"Int":"1"}]}'), or marshaled hex with
    /// --marshaled.
    pub value: String,
    /// Read VALUE as the hex of a marshaled value (an optional 0x prefix is allowed).
    #[arg(long)]
    pub marshaled: bool,
}

/// Prints the value hash as 0x and 64 hex digits.
pub fn run(args: &HashArgs) -> Result<(), CliError> {
    let limits = crate::bounds::get().value_limits();
    let hash = if args.marshaled {
        let digits = args.value.trim();
        let digits = digits.strip_prefix("0x").unwrap_or(digits);
        let bytes = hex::decode(digits)
            .map_err(|e| CliError::Input(format!("--marshaled value is not hex: {e}")))?;
        let mut code = Code::new();
        let value =
            unmarshal(&bytes, &mut code, &limits).map_err(|e| CliError::Input(e.to_string()))?;
        value_hash(&value, &code)
    } else {
        let value = parse_value(args.value.as_bytes(), &NoCode, &limits).map_err(|error| {
            CliError::Json {
                path: "VALUE".into(),
                error,
            }
        })?;
        value_hash(&value, &NoCode)
    };
    outln!("{hash}");
    Ok(())
}
