//! A self-contained proof of one step, as `avm prove` writes it and `avm verify` reads
//! it: the pre- and post-state claims, the proof, and the inbox accumulators the step
//! may need (the referee's view of the inbox).
//!
//! Binary: `"AVMP"`, version (1), pre claim, post claim, inbox window (first count
//! as u64, number of accumulators as u8, the accumulators), then the proof. JSON: an
//! object with `format`, `version`, `pre`, `post`, `inbox` and `proof`.

use avm_value::Hash;
use serde_json::{json, Value as Json};

use crate::json::{claim_from_json, claim_to_json, proof_from_json, proof_to_json};
use crate::{Claim, InboxWindow, Proof, Reader, Rejection, Writer};

const MAGIC: &[u8; 4] = b"AVMP";

/// Version of the proof file container.
pub const FILE_VERSION: u8 = 1;

/// A proof of one step with its context.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StepProofFile {
    /// The claim before the step.
    pub pre: Claim,
    /// The claim after the step, as the prover computed it.
    pub post: Claim,
    /// Inbox accumulators around the step's inbox position.
    pub inbox: InboxWindow,
    /// The proof.
    pub proof: Proof,
}

fn bad(what: &str) -> Rejection {
    Rejection::Malformed(format!("proof file: {what}"))
}

impl StepProofFile {
    /// The binary form.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w = Writer::default();
        w.bytes.extend_from_slice(MAGIC);
        w.bytes.push(FILE_VERSION);
        w.claim(&self.pre);
        w.claim(&self.post);
        w.bytes.extend_from_slice(&self.inbox.first.to_be_bytes());
        w.bytes.push(self.inbox.accs.len().min(255) as u8);
        for acc in self.inbox.accs.iter().take(255) {
            w.bytes.extend_from_slice(&acc.0);
        }
        w.proof(&self.proof);
        w.bytes
    }

    /// Reads the binary form.
    pub fn from_bytes(bytes: &[u8]) -> Result<StepProofFile, Rejection> {
        if bytes.len() < 5 || &bytes[..4] != MAGIC {
            return Err(bad("not an avm proof file (no AVMP header)"));
        }
        if bytes[4] != FILE_VERSION {
            return Err(bad(&format!(
                "container version {}; this verifier reads {FILE_VERSION}",
                bytes[4]
            )));
        }
        let mut r = Reader::new(&bytes[5..]);
        let pre = r.claim()?;
        let post = r.claim()?;
        let rest = &bytes[5 + 2 * 152..];
        if rest.len() < 9 {
            return Err(bad("truncated inbox window"));
        }
        let mut first = [0u8; 8];
        first.copy_from_slice(&rest[..8]);
        let count = usize::from(rest[8]);
        let accs_end = 9 + 32 * count;
        if rest.len() < accs_end {
            return Err(bad("truncated inbox window"));
        }
        let accs = rest[9..accs_end]
            .chunks(32)
            .map(|c| {
                let mut h = [0u8; 32];
                h.copy_from_slice(c);
                Hash(h)
            })
            .collect();
        let proof = Proof::from_bytes(&rest[accs_end..])?;
        Ok(StepProofFile {
            pre,
            post,
            inbox: InboxWindow {
                first: u64::from_be_bytes(first),
                accs,
            },
            proof,
        })
    }

    /// The JSON form.
    pub fn to_json(&self) -> Json {
        json!({
            "format": "avm-step-proof",
            "version": FILE_VERSION,
            "pre": claim_to_json(&self.pre),
            "post": claim_to_json(&self.post),
            "inbox": {
                "first": self.inbox.first,
                "accs": self.inbox.accs.iter().map(|h| h.to_string()).collect::<Vec<_>>(),
            },
            "proof": proof_to_json(&self.proof),
        })
    }

    /// Reads the JSON form.
    pub fn from_json(j: &Json) -> Result<StepProofFile, Rejection> {
        if j.get("format").and_then(Json::as_str) != Some("avm-step-proof") {
            return Err(bad(
                "not an avm step proof (\"format\" is not \"avm-step-proof\")",
            ));
        }
        if j.get("version").and_then(Json::as_u64) != Some(u64::from(FILE_VERSION)) {
            return Err(bad("unsupported container version"));
        }
        let field = |k: &str| j.get(k).ok_or_else(|| bad(&format!("missing \"{k}\"")));
        let inbox = field("inbox")?;
        let accs = inbox
            .get("accs")
            .and_then(Json::as_array)
            .ok_or_else(|| bad("inbox.accs must be an array"))?
            .iter()
            .map(|h| {
                h.as_str()
                    .and_then(|s| s.parse::<Hash>().ok())
                    .ok_or_else(|| bad("inbox accumulators must be hashes"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(StepProofFile {
            pre: claim_from_json(field("pre")?)?,
            post: claim_from_json(field("post")?)?,
            inbox: InboxWindow {
                first: inbox
                    .get("first")
                    .and_then(Json::as_u64)
                    .ok_or_else(|| bad("inbox.first must be a number"))?,
                accs,
            },
            proof: proof_from_json(field("proof")?)?,
        })
    }

    /// Reads either form (JSON if the text starts with `{`).
    pub fn parse(bytes: &[u8]) -> Result<StepProofFile, Rejection> {
        let first = bytes.iter().find(|b| !b.is_ascii_whitespace());
        if first == Some(&b'{') {
            let j: Json = serde_json::from_slice(bytes).map_err(|e| bad(&e.to_string()))?;
            StepProofFile::from_json(&j)
        } else {
            StepProofFile::from_bytes(bytes)
        }
    }
}
