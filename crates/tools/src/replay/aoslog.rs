//! Recorded runs in the `.aoslog` format of arb-os (src/run/runtime_env.rs there):
//! `{"format_version": 1, "inbox": [VALUE...], "logs": [VALUE...], "sends": [...],
//! "total_gas": N}`, values in the value JSON of .mexe files.
//!
//! Sends are byte arrays as serde writes them (`[0, 255, ...]`); a `0x` hex string and,
//! as older recordings store them, a value (`{"Buffer": "hex"}` counts as its bytes)
//! are accepted too. `total_gas` may be missing. The file is read without recursion,
//! with every problem reported by line and column.

use std::fmt::Write;

use avm_value::json::{JsonError, JsonKind, JsonReader};
use avm_value::{read_value, write_value, CodePointNames, ResolveCodePoint, Value, ValueLimits};

/// A send as a recording states it.
#[derive(Clone, Debug)]
pub enum ExpectedSend {
    /// The bytes sent.
    Bytes(Vec<u8>),
    /// A value other than a buffer, from an old recording: no send of bytes equals it.
    Value(Value),
}

/// A recorded run: the inbox it was given and what it produced.
#[derive(Clone, Debug, Default)]
pub struct Recording {
    /// `format_version`, if the file gave one.
    pub format_version: Option<u64>,
    /// The inbox messages, in order.
    pub inbox: Vec<Value>,
    /// The logs, in order.
    pub logs: Vec<Value>,
    /// The sends, in order.
    pub sends: Vec<ExpectedSend>,
    /// Total AVMGas of the run, if recorded.
    pub total_gas: Option<u64>,
}

/// Reads a recording; `Internal` code points name instructions of `code`.
pub fn parse_aoslog(
    bytes: &[u8],
    code: &impl ResolveCodePoint,
    limits: &ValueLimits,
) -> Result<Recording, JsonError> {
    let mut r = JsonReader::for_values(bytes, limits, 8);
    let mut recording = Recording::default();
    let start = r.position();
    if r.peek()? != JsonKind::Object {
        return Err(r.error_at(start, "an .aoslog file is a JSON object"));
    }
    r.begin_object()?;
    let mut seen_inbox = false;
    while let Some(key) = r.next_key()? {
        match key.as_ref() {
            "format_version" => recording.format_version = Some(r.u64()?),
            "inbox" => {
                seen_inbox = true;
                recording.inbox = read_values(&mut r, code, limits)?;
            }
            "logs" => recording.logs = read_values(&mut r, code, limits)?,
            "sends" => recording.sends = read_sends(&mut r, code, limits)?,
            "total_gas" => {
                if r.peek()? == JsonKind::Null {
                    r.null()?;
                } else {
                    recording.total_gas = Some(r.u64()?);
                }
            }
            _ => r.skip_value()?,
        }
    }
    r.finish()?;
    if let Some(version) = recording.format_version {
        if version != 1 {
            return Err(r.error_at(
                start,
                format!("format_version {version} is not supported (only 1 is)"),
            ));
        }
    }
    if !seen_inbox {
        return Err(r.error_at(start, "missing \"inbox\": a recording needs its inbox"));
    }
    Ok(recording)
}

fn read_values(
    r: &mut JsonReader<'_>,
    code: &impl ResolveCodePoint,
    limits: &ValueLimits,
) -> Result<Vec<Value>, JsonError> {
    let mut values = Vec::new();
    r.begin_array()?;
    while r.next_item()? {
        values.push(read_value(r, code, limits)?);
    }
    Ok(values)
}

fn read_sends(
    r: &mut JsonReader<'_>,
    code: &impl ResolveCodePoint,
    limits: &ValueLimits,
) -> Result<Vec<ExpectedSend>, JsonError> {
    let mut sends = Vec::new();
    r.begin_array()?;
    while r.next_item()? {
        let at = r.position();
        let send = match r.peek()? {
            JsonKind::Array => {
                let mut bytes = Vec::new();
                r.begin_array()?;
                while r.next_item()? {
                    let item_at = r.position();
                    let n = r.u64()?;
                    let byte = u8::try_from(n)
                        .map_err(|_| r.error_at(item_at, format!("{n} is not a byte (0..=255)")))?;
                    bytes.push(byte);
                }
                ExpectedSend::Bytes(bytes)
            }
            JsonKind::String => {
                let text = r.string()?;
                let digits = text.strip_prefix("0x").unwrap_or(&text);
                let bytes = hex::decode(digits)
                    .map_err(|e| r.error_at(at, format!("send \"{text}\" is not hex: {e}")))?;
                ExpectedSend::Bytes(bytes)
            }
            _ => match read_value(r, code, limits)? {
                Value::Buffer(b) => match b.to_vec(limits.max_buffer_len) {
                    Some(bytes) => ExpectedSend::Bytes(bytes),
                    None => return Err(r.error_at(at, "send buffer is longer than the limit")),
                },
                other => ExpectedSend::Value(other),
            },
        };
        sends.push(send);
    }
    Ok(sends)
}

/// The .aoslog text of what `runtime` did with `inbox`: the logs and sends its
/// environment recorded and the gas its machine used (what `avm run --record` writes).
pub fn aoslog_of_run(inbox: &[Value], runtime: &avm_machine::Runtime) -> String {
    let logs: Vec<&Value> = runtime.env.logs().iter().map(|l| &l.value).collect();
    let sends: Vec<&[u8]> = runtime
        .env
        .sends()
        .iter()
        .map(|s| s.value.as_slice())
        .collect();
    write_aoslog(
        inbox,
        &logs,
        &sends,
        runtime.machine.gas_used(),
        runtime.machine.code(),
    )
}

/// The .aoslog text of a run: its inbox, logs, sends (as byte arrays) and total gas.
pub fn write_aoslog(
    inbox: &[Value],
    logs: &[&Value],
    sends: &[&[u8]],
    total_gas: u64,
    code: &impl CodePointNames,
) -> String {
    let mut out = String::from("{\"format_version\":1,\"inbox\":[");
    for (i, message) in inbox.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        write_value(message, code, &mut out);
    }
    out.push_str("],\"logs\":[");
    for (i, log) in logs.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        write_value(log, code, &mut out);
    }
    out.push_str("],\"sends\":[");
    for (i, send) in sends.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push('[');
        for (j, byte) in send.iter().enumerate() {
            if j > 0 {
                out.push(',');
            }
            let _ = write!(out, "{byte}");
        }
        out.push(']');
    }
    let _ = writeln!(out, "],\"total_gas\":{total_gas}}}");
    out
}
