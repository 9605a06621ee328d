//! Writing executables: the inverse of the loader, used by the assembler.
//!
//! The output is the classic dialect (`"version": 2`, numeric opcodes) with each
//! instruction's source location in `debug_info` and the file names in
//! `file_name_chart`, as the Mini compiler writes them, so every loader reads the code
//! and ours also reads the locations and the `labels` object.

use std::fmt::Write;

use avm_value::write_value;

use crate::Program;

/// The .mexe text of `program`, one instruction per line.
pub fn write_mexe(program: &Program) -> String {
    let code = &program.code;
    let len = u64::from(code.program_len());
    let mut out = String::from("{\"version\":2,\"code\":[\n");
    for index in 0..len {
        let Some(insn) = code
            .program_code_point(index)
            .and_then(|cp| code.instruction(cp))
        else {
            continue;
        };
        let _ = write!(out, "{{\"opcode\":{},\"immediate\":", insn.opcode);
        match &insn.immediate {
            Some(value) => write_value(value, code, &mut out),
            None => out.push_str("null"),
        }
        if let Some(loc) = program.location(index) {
            let _ = write!(
                out,
                ",\"debug_info\":{{\"location\":{{\"line\":{},\"column\":{},\"file_id\":{}}}}}",
                loc.line, loc.column, loc.file_id
            );
        }
        out.push('}');
        if index + 1 < len {
            out.push(',');
        }
        out.push('\n');
    }
    out.push_str("],\n\"static_val\":");
    write_value(&program.static_value, code, &mut out);
    let debug = &program.debug;
    if !debug.file_names.is_empty() {
        out.push_str(",\n\"file_name_chart\":{");
        for (i, (id, name)) in debug.file_names.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            let _ = write!(out, "\"{id}\":{}", json_string(name));
        }
        out.push('}');
    }
    if !debug.labels.is_empty() {
        out.push_str(",\n\"labels\":{");
        for (i, (name, index)) in debug.labels.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            let _ = write!(out, "{}:{index}", json_string(name));
        }
        out.push('}');
    }
    if let Some(version) = program.arbos_version {
        let _ = write!(out, ",\n\"arbos_version\":{version}");
    }
    out.push_str("\n}\n");
    out
}

/// `text` as a JSON string literal.
fn json_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::{parse_mexe, LoadOptions};

    #[test]
    fn written_programs_load_back_with_the_same_code_static_and_debug_info() {
        let text = r#"{"code":[
            {"opcode":{"AVMOpcode":59},"immediate":{"CodePoint":{"Internal":2}},
             "debug_info":{"location":{"line":4,"column":2,"file_id":1}}},
            {"opcode":52,"immediate":null},
            {"opcode":116,"immediate":{"Tuple":[{"Int":"1"},{"Buffer":"0102"}]}}],
            "static_val":{"Tuple":[{"CodePoint":{"Internal":0}}]},
            "file_name_chart":{"1":"a \"quoted\" name.mini"},
            "labels":{"done":2,"start":0},
            "arbos_version":7}"#;
        let options = LoadOptions::default();
        let first = parse_mexe(text.as_bytes(), &options).unwrap();
        let written = write_mexe(&first);
        let second = parse_mexe(written.as_bytes(), &options).unwrap();
        let entry = |p: &Program| p.code.segments().next().unwrap().hashes().to_vec();
        assert_eq!(entry(&first), entry(&second));
        assert_eq!(
            avm_value::value_hash(&first.static_value, &first.code),
            avm_value::value_hash(&second.static_value, &second.code)
        );
        assert!(first.location(0).is_some());
        assert_eq!(second.location(0), first.location(0));
        assert_eq!(second.location(1), None);
        assert_eq!(second.debug.file_names, first.debug.file_names);
        assert_eq!(second.debug.labels, first.debug.labels);
        assert_eq!(second.arbos_version, Some(7));
    }
}
