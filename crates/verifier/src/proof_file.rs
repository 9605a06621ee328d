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
        let Some((&version, body)) = bytes
            .strip_prefix(MAGIC.as_slice())
            .and_then(<[u8]>::split_first)
        else {
            return Err(bad("not an avm proof file (no AVMP header)"));
        };
        if version != FILE_VERSION {
            return Err(bad(&format!(
                "container version {version}; this verifier reads {FILE_VERSION}"
            )));
        }
        let mut r = Reader::new(body);
        let pre = r.claim()?;
        let post = r.claim()?;
        let truncated = || bad("truncated inbox window");
        let (first, rest) = r.rest().split_first_chunk::<8>().ok_or_else(truncated)?;
        let (&count, rest) = rest.split_first().ok_or_else(truncated)?;
        let (accs, proof) = rest
            .split_at_checked(32 * usize::from(count))
            .ok_or_else(truncated)?;
        let accs = accs
            .chunks_exact(32)
            .map(|c| {
                let mut h = [0u8; 32];
                h.copy_from_slice(c);
                Hash(h)
            })
            .collect();
        let proof = Proof::from_bytes(proof)?;
        Ok(StepProofFile {
            pre,
            post,
            inbox: InboxWindow {
                first: u64::from_be_bytes(*first),
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
        crate::json::object_with(
            j,
            "a step proof file",
            &["format", "version", "pre", "post", "inbox", "proof"],
        )?;
        let field = |k: &str| j.get(k).ok_or_else(|| bad(&format!("missing \"{k}\"")));
        let inbox = field("inbox")?;
        crate::json::object_with(inbox, "inbox", &["first", "accs"])?;
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
            avm_value::json::check_unambiguous(
                bytes,
                crate::MAX_VALUE_DEPTH.saturating_mul(2).saturating_add(16),
            )
            .map_err(|e| bad(&e.to_string()))?;
            let j: Json = serde_json::from_slice(bytes).map_err(|e| bad(&e.to_string()))?;
            StepProofFile::from_json(&j)
        } else {
            StepProofFile::from_bytes(bytes)
        }
    }
}

#[cfg(test)]
#[allow(clippy::arithmetic_side_effects, clippy::indexing_slicing)]
mod tests {
    use avm_value::{Int, StackDigest};

    use super::*;
    use crate::{Extra, ProofValue};

    fn sample() -> StepProofFile {
        let claim = Claim {
            machine_hash: Hash([1; 32]),
            inbox_consumed: 2,
            inbox_acc: Hash([3; 32]),
            send_acc: Hash([4; 32]),
            log_acc: Hash([5; 32]),
            gas_used: 6,
            steps: 7,
        };
        StepProofFile {
            pre: claim,
            post: claim,
            inbox: InboxWindow {
                first: 9,
                accs: vec![Hash([10; 32]), Hash([11; 32])],
            },
            proof: Proof {
                opcode: 0x01,
                immediate: None,
                next_hash: Hash([12; 32]),
                stack: vec![
                    ProofValue::Int(Int::from(1u8)),
                    ProofValue::Int(Int::from(2u8)),
                ],
                stack_rest: StackDigest::empty(),
                aux: Vec::new(),
                aux_rest: StackDigest::empty(),
                register: ProofValue::Int(Int::ZERO),
                static_value: ProofValue::Int(Int::ZERO),
                gas_remaining: Int::from(100u8),
                err_pc_hash: Hash::ZERO,
                pending: None,
                extra: Extra::None,
            },
        }
    }

    #[test]
    fn binary_form_round_trips() {
        let file = sample();
        let bytes = file.to_bytes();
        assert_eq!(StepProofFile::from_bytes(&bytes), Ok(file));
    }

    #[test]
    fn every_truncation_is_rejected_without_panicking() {
        let bytes = sample().to_bytes();
        for len in 0..bytes.len() {
            assert!(StepProofFile::from_bytes(&bytes[..len]).is_err(), "{len}");
        }
    }

    #[test]
    fn an_inbox_count_past_the_end_is_rejected() {
        let mut bytes = sample().to_bytes();
        // The count byte follows the header (5), two claims (2 * 152) and `first` (8).
        let at = 5 + 2 * 152 + 8;
        for count in [3, 200, 255] {
            bytes[at] = count;
            assert!(StepProofFile::from_bytes(&bytes).is_err(), "{count}");
        }
        bytes.truncate(at + 1);
        bytes[at] = 0;
        assert!(StepProofFile::from_bytes(&bytes).is_err());
    }

    #[test]
    fn a_wrong_header_is_rejected() {
        let bytes = sample().to_bytes();
        let mut other = bytes.clone();
        other[0] = b'X';
        assert!(StepProofFile::from_bytes(&other).is_err());
        other = bytes;
        other[4] = FILE_VERSION + 1;
        assert!(StepProofFile::from_bytes(&other).is_err());
        assert!(StepProofFile::from_bytes(b"AVMP").is_err());
    }
}
