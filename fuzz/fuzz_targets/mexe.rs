//! The .mexe loader on arbitrary bytes: an error or a program, never a panic; a loaded
//! program hashes and survives writing and reloading.
#![no_main]

use avm_code::{parse_mexe, write_mexe, LoadOptions};
use avm_machine::Machine;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let options = LoadOptions::default();
    if let Ok(program) = parse_mexe(data, &options) {
        let again =
            parse_mexe(write_mexe(&program).as_bytes(), &options).expect("a written program loads");
        let a = Machine::new(program).hash();
        let b = Machine::new(again).hash();
        assert_eq!(a, b, "writing and reloading changed the program");
    }
});
