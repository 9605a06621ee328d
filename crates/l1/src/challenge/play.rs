//! A whole game played with the contract as the authority.

use super::*;

impl EvmReferee {
    /// Plays `assertion` out between `asserter` and `challenger` with the contract as
    /// referee: the challenge starts in `config.start_block`; each move is sent from
    /// its party's address in the next block; a party with no legal move (a proof
    /// zeroed the state, its move reverted, or it stays silent) is timed out by its
    /// opponent in the first block the contract allows. Every move also goes to a
    /// native referee, whose verdicts are reported beside the contract's.
    pub fn play(
        &mut self,
        assertion: &ClassicAssertion,
        config: &GameConfig,
        asserter: &mut dyn ClassicParty,
        challenger: &mut dyn ClassicParty,
    ) -> Result<EvmPlay, ChallengeError> {
        let mut play = EvmPlay {
            disputed: false,
            moves: Vec::new(),
            bisections: 0,
            winner: Role::Asserter,
        };
        let (Some(execution_hash), Some(segment)) =
            (assertion.execution_hash(), assertion.segment())
        else {
            return Err(ChallengeError::L1(L1Error::Invalid(
                "an assertion ending before it starts".into(),
            )));
        };
        if !challenger.disputes(assertion) {
            return Ok(play);
        }
        play.disputed = true;
        let challenge = self.start(
            config.start_block,
            execution_hash,
            assertion.max_message_count(),
            config.asserter_time_left,
            config.challenger_time_left,
        )?;
        let mut native = ClassicReferee::new(
            execution_hash,
            assertion.max_message_count(),
            config.asserter_time_left,
            config.challenger_time_left,
            config.start_block,
            config.degree,
        );
        let mut prev = Bisection {
            segment,
            cuts: vec![cut_hash(&assertion.before), cut_hash(&assertion.after)],
        };
        let mut turn = Role::Challenger;
        let mut proven = false;
        let mut block = config.start_block;
        while play.moves.len() < MAX_MOVES {
            let party: &mut dyn ClassicParty = match turn {
                Role::Asserter => &mut *asserter,
                Role::Challenger => &mut *challenger,
            };
            let mv = if proven {
                None
            } else {
                party.respond(&prev, config.degree)
            };
            if let Some(mv) = mv {
                block = block.saturating_add(1);
                let native_result = native.apply(turn, block, &mv);
                let evm = self.apply(turn, block, &mv)?;
                let accepted = evm.verdict.is_accepted();
                if accepted {
                    match &mv {
                        ClassicMove::Bisect(b) => {
                            prev = Bisection {
                                segment: b.chunk.segment,
                                cuts: b.chain_hashes.clone(),
                            };
                            play.bisections = play.bisections.saturating_add(1);
                        }
                        _ => proven = true,
                    }
                    turn = turn.other();
                }
                play.moves.push(PlayedMove {
                    mv,
                    evm,
                    native: native_result,
                });
                if accepted {
                    continue;
                }
            }
            // The party on turn has no legal move: its opponent waits out its blocks.
            let last = self.chain.view_word(challenge, LAST_MOVE_BLOCK, &[])?;
            let left = self.chain.view_word(challenge, RESPONDER_TIME_LEFT, &[])?;
            let (Some(last), Some(left)) = (abi::word_to_u64(&last), abi::word_to_u64(&left))
            else {
                return Err(ChallengeError::L1(L1Error::BadReturn {
                    call: RESPONDER_TIME_LEFT,
                    len: 32,
                }));
            };
            block = block.max(last.saturating_add(left).saturating_add(1));
            let native_result = native.apply(turn.other(), block, &ClassicMove::Timeout);
            let evm = self.apply(turn.other(), block, &ClassicMove::Timeout)?;
            let accepted = evm.verdict.is_accepted();
            play.moves.push(PlayedMove {
                mv: ClassicMove::Timeout,
                evm,
                native: native_result,
            });
            if !accepted {
                return Err(ChallengeError::Setup {
                    label: "timeout".into(),
                    reason: "refused in the first block the contract should allow it".into(),
                });
            }
            break;
        }
        play.winner = self.winner()?.ok_or(ChallengeError::Setup {
            label: "the game".into(),
            reason: format!("undecided after {} moves", play.moves.len()),
        })?;
        Ok(play)
    }
}
