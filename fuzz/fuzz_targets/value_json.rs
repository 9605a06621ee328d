//! The value-JSON reader on arbitrary text: an error or a value that writes back to
//! JSON reading as the same value.
#![no_main]

use avm_value::{parse_value, value_hash, value_to_json, NoCode, ValueLimits};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let limits = ValueLimits::default();
    if let Ok(value) = parse_value(data, &NoCode, &limits) {
        let text = value_to_json(&value, &NoCode);
        let again = parse_value(text.as_bytes(), &NoCode, &limits).expect("written JSON reads");
        assert_eq!(value_hash(&value, &NoCode), value_hash(&again, &NoCode));
    }
});
