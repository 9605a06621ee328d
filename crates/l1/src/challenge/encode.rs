//! Challenge moves and the tester's constructor as ABI calldata.

use super::*;

/// `bytes32`/`uint256` words of a list of hashes.
fn words(hashes: &[Hash]) -> Vec<Word> {
    hashes.iter().map(|h| h.0).collect()
}

/// The call data of `mv`: its selector and ABI-encoded arguments, as Challenge.sol's
/// function takes them.
pub fn encode_move(mv: &ClassicMove) -> Vec<u8> {
    let chunk_args = |c: &avm_challenge::classic::ChunkRef| {
        vec![
            Token::Words(words(&c.proof.nodes)),
            Token::Word(abi::uint64(c.proof.route)),
            Token::Word(abi::uint64(c.segment.start)),
            Token::Word(abi::uint64(c.segment.length)),
            Token::Word(c.old_end.0),
        ]
    };
    let args = match mv {
        ClassicMove::Bisect(m) => {
            let mut args = chunk_args(&m.chunk);
            args.extend([
                Token::Word(abi::uint64(m.gas_used_before)),
                Token::Word(m.assertion_rest.0),
                Token::Words(words(&m.chain_hashes)),
            ]);
            args
        }
        ClassicMove::ProveContinued(m) => {
            let mut args = chunk_args(&m.chunk);
            args.extend([
                Token::Word(abi::uint64(m.gas_used_before)),
                Token::Word(m.assertion_rest.0),
            ]);
            args
        }
        ClassicMove::OneStepProve(m) => {
            let mut args = chunk_args(&m.chunk);
            args.extend([
                Token::Word(abi::uint64(m.initial_messages_read)),
                Token::FixedWords(words(&m.initial_accs)),
                Token::FixedWords(m.initial_state.iter().map(|n| abi::uint64(*n)).collect()),
                Token::Bytes(m.execution_proof.clone()),
                Token::Bytes(m.buffer_proof.clone()),
                Token::Word(abi::uint64(u64::from(m.prover))),
            ]);
            args
        }
        ClassicMove::Timeout => Vec::new(),
    };
    abi::encode_call(mv.signature(), &args)
}
