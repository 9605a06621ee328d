//! The JSON form of claims and proofs, for people and tools. It carries exactly what
//! the binary form carries (and the opcode's mnemonic, for reading).

use avm_code::mnemonic_for_byte;
use avm_value::{Hash, Int, LeafPath, StackDigest};
use serde_json::{json, Map, Value as Json};

use crate::{Claim, Extra, Normalization, Proof, ProofValue, Rejection, PROOF_VERSION};

fn bad(what: &str) -> Rejection {
    Rejection::Malformed(format!("JSON proof: {what}"))
}

fn hex_int(n: &Int) -> Json {
    Json::String(format!("{n:#x}"))
}

fn value_json(v: &ProofValue) -> Json {
    match v {
        ProofValue::Int(n) => json!({ "int": hex_int(n) }),
        ProofValue::CodePoint(h) => json!({ "code_point": h.to_string() }),
        ProofValue::Buffer(root) => json!({ "buffer": root.to_string() }),
        ProofValue::ClosedTuple { inner, size } => {
            json!({ "closed_tuple": { "inner": inner.to_string(), "size": hex_int(size) } })
        }
        ProofValue::Tuple(items) => {
            json!({ "tuple": items.iter().map(value_json).collect::<Vec<_>>() })
        }
    }
}

fn digest_json(d: &StackDigest) -> Json {
    json!({ "inner": d.inner.to_string(), "size": hex_int(&d.size) })
}

fn path_json(p: &LeafPath) -> Json {
    json!({
        "leaf": hex::encode(p.leaf),
        "siblings": p.siblings.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
    })
}

/// The JSON form of a claim.
pub fn claim_to_json(c: &Claim) -> Json {
    json!({
        "machine_hash": c.machine_hash.to_string(),
        "steps": c.steps,
        "gas_used": c.gas_used,
        "inbox_consumed": c.inbox_consumed,
        "inbox_acc": c.inbox_acc.to_string(),
        "send_acc": c.send_acc.to_string(),
        "log_acc": c.log_acc.to_string(),
    })
}

/// The JSON form of a proof.
pub fn proof_to_json(p: &Proof) -> Json {
    let extra = match &p.extra {
        Extra::None => Json::Null,
        Extra::Message(m) => json!({ "message": value_json(m) }),
        Extra::Reads(paths) => json!({ "reads": paths.iter().map(path_json).collect::<Vec<_>>() }),
        Extra::Write {
            first,
            second,
            normal,
        } => json!({ "write": {
            "first": path_json(first),
            "second": second.as_ref().map(path_json),
            "normal": { "height": normal.height, "left": normal.left.to_string(), "right": normal.right.to_string() },
        }}),
        Extra::SendData(data) => json!({ "send_data": hex::encode(data) }),
        Extra::SendOverflow { index, path } => {
            json!({ "send_overflow": { "index": index, "path": path_json(path) } })
        }
    };
    json!({
        "version": PROOF_VERSION,
        "opcode": p.opcode,
        "mnemonic": mnemonic_for_byte(p.opcode),
        "immediate": p.immediate.as_ref().map(value_json),
        "next_hash": p.next_hash.to_string(),
        "stack": p.stack.iter().map(value_json).collect::<Vec<_>>(),
        "stack_rest": digest_json(&p.stack_rest),
        "aux": p.aux.iter().map(value_json).collect::<Vec<_>>(),
        "aux_rest": digest_json(&p.aux_rest),
        "register": value_json(&p.register),
        "static": value_json(&p.static_value),
        "gas_remaining": hex_int(&p.gas_remaining),
        "err_pc_hash": p.err_pc_hash.to_string(),
        "pending": p.pending.as_ref().map(value_json),
        "extra": extra,
    })
}

fn field<'a>(obj: &'a Map<String, Json>, key: &str) -> Result<&'a Json, Rejection> {
    obj.get(key)
        .ok_or_else(|| bad(&format!("missing \"{key}\"")))
}

/// `j` as an object holding only the keys in `allowed`. A key the format does not
/// define is refused, not skipped: a misspelt or extra field would otherwise give the
/// file a meaning its author did not write.
pub(crate) fn object_with<'a>(
    j: &'a Json,
    what: &str,
    allowed: &[&str],
) -> Result<&'a Map<String, Json>, Rejection> {
    let o = object(j, what)?;
    match o.keys().find(|k| !allowed.contains(&k.as_str())) {
        Some(key) => Err(bad(&format!("{what} has no field \"{key}\""))),
        None => Ok(o),
    }
}

fn object<'a>(j: &'a Json, what: &str) -> Result<&'a Map<String, Json>, Rejection> {
    j.as_object()
        .ok_or_else(|| bad(&format!("{what} must be an object")))
}

fn hash(j: &Json) -> Result<Hash, Rejection> {
    j.as_str()
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| bad("expected a 0x-prefixed 32-byte hash"))
}

fn int(j: &Json) -> Result<Int, Rejection> {
    j.as_str()
        .and_then(|s| avm_value::parse_hex_int(s).ok())
        .ok_or_else(|| bad("expected a hex integer string"))
}

fn u64_of(j: &Json) -> Result<u64, Rejection> {
    j.as_u64()
        .ok_or_else(|| bad("expected an unsigned integer"))
}

fn value(j: &Json, depth: usize) -> Result<ProofValue, Rejection> {
    if depth > crate::MAX_VALUE_DEPTH {
        return Err(bad("values nested too deep"));
    }
    let obj = object(j, "a value")?;
    let (key, v) = obj.iter().next().ok_or_else(|| bad("empty value object"))?;
    if obj.len() != 1 {
        return Err(bad("a value object has exactly one key"));
    }
    Ok(match key.as_str() {
        "int" => ProofValue::Int(int(v)?),
        "code_point" => ProofValue::CodePoint(hash(v)?),
        "buffer" => ProofValue::Buffer(hash(v)?),
        "closed_tuple" => {
            let o = object_with(v, "closed_tuple", &["inner", "size"])?;
            ProofValue::ClosedTuple {
                inner: hash(field(o, "inner")?)?,
                size: int(field(o, "size")?)?,
            }
        }
        "tuple" => {
            let items = v
                .as_array()
                .ok_or_else(|| bad("tuple items must be an array"))?;
            if items.len() > avm_value::MAX_TUPLE_LEN {
                return Err(bad("a tuple holds at most 8 values"));
            }
            let deeper = depth
                .checked_add(1)
                .ok_or_else(|| bad("values nested too deep"))?;
            ProofValue::Tuple(
                items
                    .iter()
                    .map(|i| value(i, deeper))
                    .collect::<Result<_, _>>()?,
            )
        }
        other => return Err(bad(&format!("unknown value kind \"{other}\""))),
    })
}

fn values(j: &Json) -> Result<Vec<ProofValue>, Rejection> {
    let items = j
        .as_array()
        .ok_or_else(|| bad("expected an array of values"))?;
    if items.len() > 8 {
        return Err(bad("too many stack items"));
    }
    items.iter().map(|i| value(i, 0)).collect()
}

fn digest(j: &Json) -> Result<StackDigest, Rejection> {
    let o = object_with(j, "a stack digest", &["inner", "size"])?;
    Ok(StackDigest::from_preimage(
        hash(field(o, "inner")?)?,
        int(field(o, "size")?)?,
    ))
}

fn path(j: &Json) -> Result<LeafPath, Rejection> {
    let o = object_with(j, "a leaf path", &["leaf", "siblings"])?;
    let mut leaf = [0u8; 32];
    let text = field(o, "leaf")?
        .as_str()
        .ok_or_else(|| bad("leaf must be hex"))?;
    hex::decode_to_slice(text, &mut leaf).map_err(|_| bad("leaf must be 32 bytes of hex"))?;
    let siblings = field(o, "siblings")?
        .as_array()
        .ok_or_else(|| bad("siblings must be an array"))?;
    if siblings.len() > crate::merkle::MAX_DEPTH {
        return Err(bad("leaf path longer than any buffer tree"));
    }
    Ok(LeafPath {
        leaf,
        siblings: siblings.iter().map(hash).collect::<Result<_, _>>()?,
    })
}

fn optional<T>(
    j: &Json,
    f: impl FnOnce(&Json) -> Result<T, Rejection>,
) -> Result<Option<T>, Rejection> {
    if j.is_null() {
        Ok(None)
    } else {
        f(j).map(Some)
    }
}

/// A claim from its JSON form.
pub fn claim_from_json(j: &Json) -> Result<Claim, Rejection> {
    let o = object_with(
        j,
        "a claim",
        &[
            "machine_hash",
            "inbox_consumed",
            "inbox_acc",
            "send_acc",
            "log_acc",
            "gas_used",
            "steps",
        ],
    )?;
    Ok(Claim {
        machine_hash: hash(field(o, "machine_hash")?)?,
        inbox_consumed: u64_of(field(o, "inbox_consumed")?)?,
        inbox_acc: hash(field(o, "inbox_acc")?)?,
        send_acc: hash(field(o, "send_acc")?)?,
        log_acc: hash(field(o, "log_acc")?)?,
        gas_used: u64_of(field(o, "gas_used")?)?,
        steps: u64_of(field(o, "steps")?)?,
    })
}

/// A proof from its JSON form.
pub fn proof_from_json(j: &Json) -> Result<Proof, Rejection> {
    let o = object_with(
        j,
        "a proof",
        &[
            "version",
            "opcode",
            "mnemonic",
            "immediate",
            "next_hash",
            "stack",
            "stack_rest",
            "aux",
            "aux_rest",
            "register",
            "static",
            "gas_remaining",
            "err_pc_hash",
            "pending",
            "extra",
        ],
    )?;
    if u64_of(field(o, "version")?)? != u64::from(PROOF_VERSION) {
        return Err(bad("unsupported proof version"));
    }
    let opcode =
        u8::try_from(u64_of(field(o, "opcode")?)?).map_err(|_| bad("opcode out of range"))?;
    // The mnemonic is written for people; one that names another opcode would make
    // the file say two things.
    if let Some(name) = o.get("mnemonic") {
        if name.as_str() != Some(mnemonic_for_byte(opcode).as_str()) {
            return Err(bad("\"mnemonic\" does not name the opcode"));
        }
    }
    let extra = match field(o, "extra")? {
        Json::Null => Extra::None,
        e => {
            let e = object(e, "extra")?;
            let (key, v) = e.iter().next().ok_or_else(|| bad("empty extra"))?;
            if e.len() != 1 {
                return Err(bad("extra has exactly one key"));
            }
            match key.as_str() {
                "message" => Extra::Message(value(v, 0)?),
                "reads" => Extra::Reads(
                    v.as_array()
                        .ok_or_else(|| bad("reads must be an array"))?
                        .iter()
                        .map(path)
                        .collect::<Result<_, _>>()?,
                ),
                "write" => {
                    let w = object_with(v, "write", &["first", "second", "normal"])?;
                    let n =
                        object_with(field(w, "normal")?, "normal", &["height", "left", "right"])?;
                    Extra::Write {
                        first: path(field(w, "first")?)?,
                        second: optional(field(w, "second")?, path)?,
                        normal: Normalization {
                            height: u32::try_from(u64_of(field(n, "height")?)?)
                                .map_err(|_| bad("height out of range"))?,
                            left: hash(field(n, "left")?)?,
                            right: hash(field(n, "right")?)?,
                        },
                    }
                }
                "send_data" => {
                    let text = v.as_str().ok_or_else(|| bad("send_data must be hex"))?;
                    let data = hex::decode(text).map_err(|_| bad("send_data must be hex"))?;
                    if data.len() > usize::from(u16::MAX) {
                        return Err(bad("send data too long"));
                    }
                    Extra::SendData(data)
                }
                "send_overflow" => {
                    let s = object_with(v, "send_overflow", &["index", "path"])?;
                    Extra::SendOverflow {
                        index: u64_of(field(s, "index")?)?,
                        path: path(field(s, "path")?)?,
                    }
                }
                other => return Err(bad(&format!("unknown extra \"{other}\""))),
            }
        }
    };
    Ok(Proof {
        opcode,
        immediate: optional(field(o, "immediate")?, |j| value(j, 0))?,
        next_hash: hash(field(o, "next_hash")?)?,
        stack: values(field(o, "stack")?)?,
        stack_rest: digest(field(o, "stack_rest")?)?,
        aux: values(field(o, "aux")?)?,
        aux_rest: digest(field(o, "aux_rest")?)?,
        register: value(field(o, "register")?, 0)?,
        static_value: value(field(o, "static")?, 0)?,
        gas_remaining: int(field(o, "gas_remaining")?)?,
        err_pc_hash: hash(field(o, "err_pc_hash")?)?,
        pending: optional(field(o, "pending")?, |j| value(j, 0))?,
        extra,
    })
}
