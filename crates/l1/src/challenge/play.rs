//! A whole game played with the contract as the authority, through the one move
//! loop, the native referee judging every move beside it.

use avm_challenge::classic::WithNative;

use super::*;

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
        let mut judge = WithNative::new(self);
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
