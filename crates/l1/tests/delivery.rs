//! The one delivery path, differentially: the same deliveries through the Inbox and the
//! same SequencerInbox batches on the embedded L1 and on anvil (installed from npm by
//! the test set-up, `--hardfork london`) give the same machine inbox, message by
//! message, and the same accumulators, each read back from that chain's own events;
//! and what they read matches classic-rollup.md's facts about the init message and
//! the machine's inbox (delayed seqNum 2^255|d, end-of-block items).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::path::{Path, PathBuf};

use avm_l1::abi::{self, Token};
use avm_l1::chain::Clock;
use avm_l1::delivery::{self, InboxReader, Section};
use avm_l1::setup::chain_parameter;
use avm_l1::{dev_accounts, Chain, Contracts, EmbeddedConfig, RemoteConfig, Rollup, RollupParams};
use avm_value::{keccak256, Hash, Int, Value};
use avm_verifier::classic::delayed_seq_num_bit;

const GENESIS: u64 = 1_700_000_000;
const GWEI: u128 = 1_000_000_000;

fn contracts() -> Contracts {
    Contracts::open(avm_testkit::fixtures().join("contracts"))
}

fn arbos_hash() -> Hash {
    let path: PathBuf =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures/arbos/arbos-v58.mexe");
    let program = avm_code::load_mexe(&path, &avm_code::LoadOptions::default()).unwrap();
    avm_machine::Machine::new(program).hash()
}

/// The embedded L1 with anvil's genesis time and one second per block.
fn embedded_chain() -> Chain {
    let mut config = EmbeddedConfig::dev(31_337, dev_accounts(10).unwrap());
    config.genesis_timestamp = GENESIS;
    config.clock = Clock::Step(1);
    Chain::embedded(config).unwrap()
}

/// Deploys the rollup and plays the same deliveries and batches; the inbox read back.
fn deliveries(chain: &mut Chain) -> (Rollup, InboxReader) {
    chain.set_default_gas_price(Some(GWEI));
    let accounts = dev_accounts(5).unwrap();
    let owner = accounts[0].address;
    let params = RollupParams {
        extra_config: chain_parameter("ChainID", 412_346),
        ..RollupParams::dev(arbos_hash(), owner)
    };
    let rollup = Rollup::deploy(chain, &contracts(), owner, &params).unwrap();
    let ic = rollup.inbox_contracts();
    let mut reader = InboxReader::new(ic, rollup.created_block);
    delivery::deposit_eth(
        chain,
        &ic,
        accounts[1].address,
        2_000_000_000_000_000_000,
        0,
    )
    .unwrap();
    delivery::send_l2_message(chain, &ic, accounts[2].address, b"hello").unwrap();
    let stamp = chain.latest_block().unwrap();
    delivery::post_batch(
        chain,
        &mut reader,
        &delivery::stamped(
            stamp,
            &[Section {
                items: vec![],
                total_delayed_messages_read: 3,
            }],
        ),
    )
    .unwrap();
    let long: Vec<u8> = (0..3_000u32).map(|i| (i * 31 % 251) as u8).collect();
    delivery::send_l2_message(chain, &ic, accounts[3].address, &long).unwrap();
    delivery::deposit_eth(chain, &ic, accounts[4].address, 1, 0).unwrap();
    let stamp = chain.latest_block().unwrap();
    delivery::post_batch(
        chain,
        &mut reader,
        &delivery::stamped(
            stamp,
            &[
                Section {
                    items: vec![b"a sequencer item".to_vec(), vec![]],
                    total_delayed_messages_read: 3,
                },
                Section {
                    items: vec![vec![9; 200]],
                    total_delayed_messages_read: 5,
                },
            ],
        ),
    )
    .unwrap();
    reader.sync(chain).unwrap();
    (rollup, reader)
}

fn ints(value: &Value) -> Vec<Int> {
    match value {
        Value::Tuple(t) => t
            .items()
            .iter()
            .filter_map(|v| match v {
                Value::Int(i) => Some(*i),
                _ => None,
            })
            .collect(),
        _ => panic!("not a tuple"),
    }
}

#[test]
fn the_same_deliveries_on_the_embedded_l1_and_on_anvil_give_the_same_inbox() {
    let mut embedded = embedded_chain();
    let (rollup, ours) = deliveries(&mut embedded);

    let (_anvil, url) = start_anvil_at(GENESIS);
    let mut remote = Chain::remote(RemoteConfig::new(url, dev_accounts(5).unwrap())).unwrap();
    let (their_rollup, theirs) = deliveries(&mut remote);
    assert_eq!(
        rollup.rollup, their_rollup.rollup,
        "same deployer, same nonces"
    );

    let (a, b) = (ours.inbox(), theirs.inbox());
    // Batch 0: init, deposit, message, end of block. Batch 1: an item, an empty item
    // (which ends a block), an item, the long message and the second deposit, end of
    // block.
    assert_eq!(a.len(), 10);
    assert_eq!(a.len(), b.len());
    for (k, (x, y)) in a.values().iter().zip(b.values()).enumerate() {
        assert_eq!(
            avm_value::value_hash(x, &avm_value::NoCode),
            avm_value::value_hash(y, &avm_value::NoCode),
            "machine message {k}"
        );
    }
    assert_eq!(a.accumulators(), b.accumulators());
    // The contracts' own accumulators are what the reader computed.
    for chain in [&mut embedded, &mut remote] {
        let last = chain
            .view_hash(
                rollup.sequencer_inbox,
                "inboxAccs(uint256)",
                &[Token::Word(abi::uint64(1))],
            )
            .unwrap();
        assert_eq!(Some(&last), a.accumulators().batches.get(1));
    }

    // classic-rollup.md §2-3: the init message (kind 11, sender 0, the parameters of
    // the creator, then extraConfig), delayed messages seen with seqNum 2^255|d, an
    // end-of-block message after each delayed run, sequencer items with their place.
    let init = ints(&a.values()[0]);
    assert_eq!(init[0], Int::from(11u64));
    assert_eq!(init[3], Int::ZERO, "sender 0");
    assert_eq!(init[4], delayed_seq_num_bit());
    let (init_message, delayed) = a.message(0).unwrap();
    assert!(delayed);
    let data = &init_message.data;
    assert_eq!(data.len(), 192 + 64);
    assert_eq!(&data[..32], &keccak256(b"ChallengePeriodEthBlocks").0);
    assert_eq!(data[63], 20);
    assert_eq!(&data[192..224], &keccak256(b"ChainID").0);
    let deposit = ints(&a.values()[1]);
    assert_eq!(deposit[0], Int::from(9u64));
    assert_eq!(deposit[4], delayed_seq_num_bit() | Int::from(1u64));
    assert_eq!(
        deposit[5],
        Int::from(GWEI),
        "the delivering transaction's gas price"
    );
    let eob = ints(&a.values()[3]);
    assert_eq!(
        (eob[0], eob[3], eob[4]),
        (Int::from(6u64), Int::ZERO, Int::from(3u64))
    );
    let item = ints(&a.values()[4]);
    assert_eq!(
        (item[0], item[4], item[5]),
        (Int::from(3u64), Int::from(4u64), Int::ZERO)
    );
    let sequencer = Int::from_be_bytes(abi::address(rollup.sequencer));
    assert_eq!(item[3], sequencer, "the batch poster");
    let empty_item = ints(&a.values()[5]);
    assert_eq!(empty_item[0], Int::from(6u64), "an empty item ends a block");
    let late_deposit = ints(&a.values()[8]);
    assert_eq!(late_deposit[4], delayed_seq_num_bit() | Int::from(4u64));
}

/// anvil with a fixed genesis timestamp and one second per block, as the embedded
/// chain's deterministic clock.
fn start_anvil_at(genesis: u64) -> (avm_testkit::tools::Killed, String) {
    let (anvil, url) = avm_testkit::tools::start_anvil_args(&["--timestamp", &genesis.to_string()]);
    avm_testkit::tools::cast_ok(&[
        "rpc",
        "anvil_setBlockTimestampInterval",
        "1",
        "--rpc-url",
        &url,
    ]);
    (anvil, url)
}

/// The SequencerInbox reads a batch's metadata five words at a time and ignores the
/// words left over, and accepts lengths and transaction bytes past the last item
/// (SequencerInbox.sol at 551a39b: `i + 5 <= sectionsMetadata.length`, then only
/// TRANSACTIONS_OVERRUN). A sequencer's batch padded that way is accepted on L1, so
/// every reader must read it as the contract did, not stop at it.
#[test]
fn a_batch_with_words_and_bytes_past_its_sections_is_read_as_the_contract_reads_it() {
    let mut chain = embedded_chain();
    let (rollup, mut reader) = deliveries(&mut chain);
    let ic = *reader.contracts();
    let stamp = chain.latest_block().unwrap();
    let sections = delivery::stamped(
        stamp,
        &[Section {
            items: vec![b"padded".to_vec()],
            total_delayed_messages_read: 5,
        }],
    );
    let mut model = reader.inbox().clone();
    model.add_batch(ic.sequencer, &sections).unwrap();
    let after = *model.accumulators().batches.last().unwrap();
    let delayed = model.accumulators().delayed[4];
    let metadata = vec![
        abi::uint64(1),
        abi::uint64(sections[0].block_number),
        abi::uint64(sections[0].timestamp),
        abi::uint64(5),
        delayed.0,
        // Three words that make no section.
        abi::uint64(7),
        abi::uint64(7),
        abi::uint64(7),
    ];
    let input = abi::encode_call(
        abi::signatures::SEQ_ADD_BATCH,
        &[
            Token::Bytes(b"padded and a tail".to_vec()),
            Token::Words(vec![abi::uint64(6), abi::uint64(99)]),
            Token::Words(metadata),
            Token::Word(after.0),
        ],
    );
    chain
        .must(avm_l1::TxRequest::call(
            ic.sequencer,
            ic.sequencer_inbox,
            input,
            "a padded batch",
        ))
        .unwrap();
    reader.sync(&mut chain).unwrap();
    assert_eq!(reader.inbox().len(), model.len());
    assert_eq!(reader.inbox().accumulators(), model.accumulators());
    let last = chain
        .view_hash(
            rollup.sequencer_inbox,
            "inboxAccs(uint256)",
            &[Token::Word(abi::uint64(2))],
        )
        .unwrap();
    assert_eq!(last, after);
}

/// A reader started after the fact reads the history a window of blocks at a time
/// (one `eth_getLogs` each); however short the window, it reads the same inbox.
#[test]
fn the_inbox_read_a_window_at_a_time_is_the_same() {
    let mut chain = embedded_chain();
    let (rollup, whole) = deliveries(&mut chain);
    let head = chain.latest_block().unwrap().0;
    assert!(head - rollup.created_block > 3, "several blocks to read");
    for window in [1, 2, 3] {
        let mut reader = InboxReader::new(rollup.inbox_contracts(), rollup.created_block);
        reader.set_sync_window(window);
        reader.sync(&mut chain).unwrap();
        assert_eq!(reader.inbox().len(), whole.inbox().len(), "window {window}");
        assert_eq!(
            reader.inbox().accumulators(),
            whole.inbox().accumulators(),
            "window {window}"
        );
    }
}
