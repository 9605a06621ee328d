//! A whole game played with the contract as the authority, through the one move
//! loop, the native referee judging every move beside it.

use super::*;

/// The EVM referee with the native one beside it: the EVM's verdict decides, the
/// native one is recorded for comparison.
struct Paired<'a> {
    evm: &'a mut EvmReferee,
    native: NativeJudge,
}

impl ClassicJudge for Paired<'_> {
    type Verdict = (EvmMove, Result<Accepted, ClassicRevert>);
    type Error = ChallengeError;

    fn start(
        &mut self,
        execution_hash: Hash,
        max_message_count: u64,
        config: &GameConfig,
    ) -> Result<(), ChallengeError> {
        self.native
            .start(execution_hash, max_message_count, config)
            .map_err(<EvmReferee as ClassicJudge>::undecided)?;
        ClassicJudge::start(self.evm, execution_hash, max_message_count, config)
    }

    fn apply(
        &mut self,
        by: Role,
        block: u64,
        mv: &ClassicMove,
    ) -> Result<Self::Verdict, ChallengeError> {
        let native = self
            .native
            .apply(by, block, mv)
            .map_err(<EvmReferee as ClassicJudge>::undecided)?;
        Ok((EvmReferee::apply(self.evm, by, block, mv)?, native))
    }

    fn accepted(verdict: &Self::Verdict) -> bool {
        verdict.0.verdict.is_accepted()
    }

    fn timeout_block(&mut self) -> Result<u64, ChallengeError> {
        EvmReferee::timeout_block(self.evm)
    }

    fn winner(&mut self) -> Result<Option<Role>, ChallengeError> {
        EvmReferee::winner(self.evm)
    }

    fn undecided(why: String) -> ChallengeError {
        <EvmReferee as ClassicJudge>::undecided(why)
    }
}

impl EvmReferee {
    /// Plays `assertion` out between `asserter` and `challenger` with the contract as
    /// referee, through the one move loop ([`avm_challenge::classic::play`]): the
    /// challenge starts in `config.start_block`; each move is sent from its party's
    /// address in the next block; a party with no legal move is timed out by its
    /// opponent in the first block the contract allows. Every move also goes to a
    /// native referee, whose verdicts are reported beside the contract's.
    pub fn play(
        &mut self,
        assertion: &ClassicAssertion,
        config: &GameConfig,
        asserter: &mut dyn ClassicParty,
        challenger: &mut dyn ClassicParty,
    ) -> Result<EvmPlay, ChallengeError> {
        let mut judge = Paired {
            evm: self,
            native: NativeJudge::default(),
        };
        let game =
            avm_challenge::classic::play(&mut judge, assertion, config, asserter, challenger)?;
        Ok(EvmPlay {
            disputed: game.disputed,
            moves: game
                .moves
                .into_iter()
                .map(|played| PlayedMove {
                    mv: played.mv,
                    evm: played.verdict.0,
                    native: played.verdict.1,
                })
                .collect(),
            bisections: game.bisections,
            winner: game.winner,
        })
    }
}
