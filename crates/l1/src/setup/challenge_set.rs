//! The contracts a Classic challenge game or a one-step proof check runs against,
//! wired as upstream's contract tests wire them: the three verifiers, Bridge,
//! SequencerInbox (over a RollupMock), the Inbox, and optionally a ChallengeTester.

use crate::abi::{self, signatures as sig, Token};
use crate::chain::{Chain, L1Error, TxRequest};
use crate::contracts::{ContractName, Contracts};

use super::{deploy, InboxContracts};

/// The account that deploys everything and owns the Bridge.
pub const OWNER: [u8; 20] = [
    0x0a, 0x0a, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01,
];
/// The account allowed to post sequencer batches.
pub const SEQUENCER: [u8; 20] = [
    0x0a, 0x0a, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02,
];
/// The account the Bridge takes messages from directly, as upstream's tests allow it
/// (for messages no entry point of the deployed contracts produces, such as the
/// recorded games' and benchmark logs').
pub const DELAYED_INBOX: [u8; 20] = [
    0x0a, 0x0a, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x03,
];

/// Where a challenge set lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChallengeSet {
    /// OneStepProof.
    pub one_step_proof: [u8; 20],
    /// OneStepProof2.
    pub one_step_proof2: [u8; 20],
    /// OneStepProofHash.
    pub one_step_proof_hash: [u8; 20],
    /// Bridge.
    pub bridge: [u8; 20],
    /// SequencerInbox.
    pub sequencer_inbox: [u8; 20],
    /// RollupMock (the SequencerInbox's rollup).
    pub rollup_mock: [u8; 20],
    /// Inbox.
    pub inbox: [u8; 20],
    /// `ChallengeTester([OneStepProof, OneStepProof2, OneStepProofHash])`, if deployed.
    pub tester: Option<[u8; 20]>,
}

impl ChallengeSet {
    /// Deploys the set from [`OWNER`] in the chain's current block: the three
    /// verifiers, Bridge, SequencerInbox, RollupMock, Inbox (and the tester when
    /// `with_tester`), then wires them: the Bridge initialized by [`OWNER`] with the
    /// Inbox and [`DELAYED_INBOX`] allowed, the SequencerInbox with the Bridge,
    /// [`SEQUENCER`] and the RollupMock, the Inbox with the Bridge.
    pub fn deploy(
        chain: &mut Chain,
        contracts: &Contracts,
        with_tester: bool,
    ) -> Result<ChallengeSet, L1Error> {
        let mut d = |name| deploy(chain, contracts, name, OWNER, &[]);
        let one_step_proof = d(ContractName::OneStepProof)?;
        let one_step_proof2 = d(ContractName::OneStepProof2)?;
        let one_step_proof_hash = d(ContractName::OneStepProofHash)?;
        let bridge = d(ContractName::Bridge)?;
        let sequencer_inbox = d(ContractName::SequencerInbox)?;
        let rollup_mock = d(ContractName::RollupMock)?;
        let inbox = d(ContractName::Inbox)?;
        let tester = if with_tester {
            let args = executors_args([one_step_proof, one_step_proof2, one_step_proof_hash]);
            Some(deploy(
                chain,
                contracts,
                ContractName::ChallengeTester,
                OWNER,
                &args,
            )?)
        } else {
            None
        };
        let mut must = |to: [u8; 20], signature: &str, args: &[Token], label: &str| {
            chain.must(TxRequest::call(
                OWNER,
                to,
                abi::encode_call(signature, args),
                label,
            ))
        };
        must(bridge, sig::BRIDGE_INITIALIZE, &[], "Bridge.initialize")?;
        for allowed in [DELAYED_INBOX, inbox] {
            must(
                bridge,
                sig::BRIDGE_SET_INBOX,
                &[
                    Token::Word(abi::address(allowed)),
                    Token::Word(abi::boolean(true)),
                ],
                "Bridge.setInbox",
            )?;
        }
        must(
            sequencer_inbox,
            sig::SEQ_INITIALIZE,
            &[
                Token::Word(abi::address(bridge)),
                Token::Word(abi::address(SEQUENCER)),
                Token::Word(abi::address(rollup_mock)),
            ],
            "SequencerInbox.initialize",
        )?;
        must(
            inbox,
            sig::INBOX_INITIALIZE,
            &[
                Token::Word(abi::address(bridge)),
                Token::Word(abi::address([0; 20])),
            ],
            "Inbox.initialize",
        )?;
        Ok(ChallengeSet {
            one_step_proof,
            one_step_proof2,
            one_step_proof_hash,
            bridge,
            sequencer_inbox,
            rollup_mock,
            inbox,
            tester,
        })
    }

    /// The verifiers, in the executor order the Challenge uses.
    pub fn verifiers(&self) -> [[u8; 20]; 3] {
        [
            self.one_step_proof,
            self.one_step_proof2,
            self.one_step_proof_hash,
        ]
    }

    /// Where messages enter.
    pub fn inbox_contracts(&self) -> InboxContracts {
        InboxContracts {
            bridge: self.bridge,
            sequencer_inbox: self.sequencer_inbox,
            inbox: self.inbox,
            sequencer: SEQUENCER,
            test_inbox: Some(DELAYED_INBOX),
        }
    }
}

/// The constructor arguments of the ChallengeTester and the ChallengeFactory:
/// `address[] _executors`.
pub(crate) fn executors_args(executors: [[u8; 20]; 3]) -> Vec<u8> {
    abi::encode(&[Token::Words(
        executors.iter().map(|a| abi::address(*a)).collect(),
    )])
}
