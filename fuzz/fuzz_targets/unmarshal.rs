//! Unmarshaling arbitrary bytes: an error or a value that marshals back to the bytes
//! it came from.
#![no_main]

use avm_code::Code;
use avm_value::{marshal, unmarshal_prefix, ValueLimits};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut code = Code::new();
    if let Ok((value, used)) = unmarshal_prefix(data, &mut code, &ValueLimits::default()) {
        if let Ok(bytes) = marshal(&value, &code, &ValueLimits::default()) {
            assert_eq!(bytes, data[..used], "marshal(unmarshal(x)) != x");
        }
    }
});
