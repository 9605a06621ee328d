//! The fixture contracts a Classic game deploys, read and checked.

use super::*;

/// The fixture contracts a Classic game deploys.
#[derive(Debug, Clone)]
pub struct ClassicContracts {
    /// OneStepProof (executor 0).
    pub one_step_proof: Contract,
    /// OneStepProof2 (executor 1).
    pub one_step_proof2: Contract,
    /// OneStepProofHash (executor 2).
    pub one_step_proof_hash: Contract,
    /// Bridge (the delayed inbox).
    pub bridge: Contract,
    /// SequencerInbox.
    pub sequencer_inbox: Contract,
    /// RollupMock (the SequencerInbox's rollup).
    pub rollup_mock: Contract,
    /// ChallengeTester (deploys the ChallengeFactory and receives the result).
    pub challenge_tester: Contract,
    /// Challenge (only its ABI is read: the moves must be its functions).
    pub challenge: Contract,
}

impl ClassicContracts {
    /// Reads the contracts from `dir` (e.g. `shared/fixtures/classic/contracts`) and
    /// checks their ABIs have the functions a game calls.
    pub fn load(dir: impl AsRef<Path>) -> Result<ClassicContracts, ContractsError> {
        let dir = dir.as_ref();
        // The verifiers and the inbox contracts, their ABIs checked, as a one-step
        // proof check loads them.
        let base = crate::Contracts::load(dir)?;
        let contracts = ClassicContracts {
            one_step_proof: base.one_step_proof,
            one_step_proof2: base.one_step_proof2,
            one_step_proof_hash: base.one_step_proof_hash,
            bridge: base.bridge,
            sequencer_inbox: base.sequencer_inbox,
            rollup_mock: base.rollup_mock,
            challenge_tester: Contract::load(dir, "ChallengeTester")?,
            challenge: Contract::load(dir, "Challenge")?,
        };
        contracts.challenge_tester.require(
            dir,
            &[
                START_CHALLENGE,
                TESTER_CHALLENGE,
                TESTER_COMPLETED,
                TESTER_WINNER,
                TESTER_LOSER,
            ],
        )?;
        contracts.challenge.require(dir, &MOVE_SIGNATURES)?;
        contracts
            .challenge
            .require(dir, &[LAST_MOVE_BLOCK, RESPONDER_TIME_LEFT])?;
        contracts
            .sequencer_inbox
            .require(dir, &[SEQ_ACCS_LENGTH, SEQ_DELAYED_READ])?;
        Ok(contracts)
    }
}
