//! `avm node`: an Arbitrum Classic chain in one process. ArbOS runs on our AVM as the
//! L2 of a rollup created on the L1 (the embedded one, kept in the data dir, or a real
//! node at `--l1`); a sequencer executes signed transactions at once and posts them
//! in batches; the chain is served over Ethereum JSON-RPC.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use avm_l1::serve::L1Rpc;
use avm_l1::{DevAccount, DEV_MNEMONIC};
use avm_node::launch::{launch, L1Choice, NodeConfig, Started, DEV_DEPOSIT};
use avm_node::rpc::L2Rpc;
use avm_node::validators::{ValidatorSpec, DEV_THRESHOLDS};
use avm_validator::{Strategy, Thresholds};
use serde_json::json;

use crate::dev::{accounts_json, hex20, print_accounts, wait_for_shutdown};
use crate::error::CliError;

/// Options of `avm node`.
#[derive(clap::Args, Debug)]
pub struct NodeArgs {
    /// A dev chain: the ten accounts of the test mnemonic funded with 1,000 ETH each on
    /// L2 (by deposits through the rollup's Inbox), on the embedded L1 unless --l1.
    #[arg(long)]
    pub dev: bool,
    /// Keep the chain (L2 and embedded L1) in D, created if missing; a restart on D
    /// continues the same chain. With --dev and without it: a new folder under the
    /// system's temporary directory, removed when the node stops.
    #[arg(long, value_name = "D")]
    pub data_dir: Option<PathBuf>,
    /// Where to serve the L2's JSON-RPC.
    #[arg(long, value_name = "ADDR:PORT", default_value = "127.0.0.1:8547")]
    pub rpc: String,
    /// The L2's chain id (put in ArbOS's init message; without it ArbOS would run as
    /// 42161, Arbitrum One).
    #[arg(long, value_name = "N", default_value_t = 412_346)]
    pub chain_id: u64,
    /// The ArbOS image the chain runs.
    #[arg(
        long,
        value_name = "FILE.mexe",
        default_value = "../shared/fixtures/arbos/arbos-v58.mexe"
    )]
    pub arbos: PathBuf,
    /// The directory of the Classic L1 contracts' ABI and creation bytecode.
    #[arg(
        long,
        value_name = "DIR",
        default_value = "../shared/fixtures/classic/contracts"
    )]
    pub contracts: PathBuf,
    /// Turn ArbOS's fees on (off by default, as ArbOS's own default).
    #[arg(long)]
    pub fees: bool,
    /// Seconds between batches posted to the SequencerInbox (what was sequenced is
    /// also posted when the node stops).
    #[arg(long, value_name = "SECS", default_value_t = 5.0)]
    pub batch_interval: f64,
    /// Record the chain's run (its whole inbox, logs and sends) to FILE when the node
    /// stops, for `avm replay` (a new chain only).
    #[arg(long, value_name = "FILE.aoslog")]
    pub record: Option<PathBuf>,
    /// A real Ethereum node as the L1 (its JSON-RPC endpoint) instead of the embedded
    /// one.
    #[arg(long, value_name = "URL")]
    pub l1: Option<String>,
    /// With --l1: the private key (hex) that creates, owns and sequences the rollup.
    #[arg(long, value_name = "KEY", requires = "l1")]
    pub l1_key: Option<String>,
    /// Follow the rollup at --rollup on the L1 at --l1: no sequencer; the chain is
    /// rebuilt from the L1's Bridge and SequencerInbox alone and served over the same
    /// JSON-RPC (transactions are refused: send them to the sequencer).
    #[arg(long, requires_all = ["l1", "rollup"], conflicts_with_all = ["dev", "l1_key", "record"])]
    pub follow: bool,
    /// With --follow: the Rollup contract's address.
    #[arg(long, value_name = "ADDRESS", requires = "follow")]
    pub rollup: Option<String>,
    /// The embedded L1's chain id.
    #[arg(long, value_name = "N", default_value_t = 1337, conflicts_with = "l1")]
    pub l1_chain_id: u64,
    /// Also serve the embedded L1's JSON-RPC here (to watch the rollup's contracts).
    #[arg(long, value_name = "ADDR:PORT", conflicts_with = "l1")]
    pub l1_rpc: Option<String>,
    /// A validator to run, repeatable: STRATEGY is watchtower, defensive,
    /// stake-latest, make-nodes, or for demonstrations faulty (a false machine hash),
    /// faulty-sends or faulty-messages; KEY its L1 private key (hex). With --dev the
    /// key may be left out (accounts 1, 2, … of the test mnemonic), and --dev alone
    /// runs one make-nodes validator.
    #[arg(long, value_name = "STRATEGY[:KEY]")]
    pub validator: Vec<String>,
    /// Mine an L1 block every SECS seconds (the embedded L1, or a dev node such as
    /// anvil at --l1), so that the rollup's deadlines pass; 1 with --dev.
    #[arg(long, value_name = "SECS")]
    pub l1_block_time: Option<f64>,
    /// Read the rollup's L1 events BLOCKS blocks at a time (one eth_getLogs each), for
    /// an L1 endpoint that allows only short ranges.
    #[arg(long, value_name = "BLOCKS", default_value_t = avm_l1::delivery::SYNC_WINDOW,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub l1_log_window: u64,
    /// Print one JSON object (accounts, addresses, endpoints) instead of text.
    #[arg(long)]
    pub json: bool,
}

/// A 20-byte address in hex (0x optional).
fn parse_address(text: &str) -> Option<[u8; 20]> {
    let bytes = hex::decode(text.trim_start_matches("0x")).ok()?;
    bytes.try_into().ok()
}

/// The validators `--validator` (and `--dev`) ask for.
fn validators(args: &NodeArgs) -> Result<Vec<ValidatorSpec>, CliError> {
    let asked: Vec<String> = if args.validator.is_empty() && args.dev {
        vec!["make-nodes".into()]
    } else {
        args.validator.clone()
    };
    let dev = avm_l1::dev_accounts(10).map_err(|e| CliError::Input(e.to_string()))?;
    let mut next_dev = 1;
    let mut specs = Vec::new();
    for text in &asked {
        let (name, key) = match text.split_once(':') {
            Some((name, key)) => (name, Some(key)),
            None => (text.as_str(), None),
        };
        let strategy = Strategy::parse(name).ok_or_else(|| {
            CliError::Input(format!(
                "--validator {text}: no strategy {name:?} (watchtower, defensive, stake-latest, \
                 make-nodes, faulty, faulty-sends, faulty-messages)"
            ))
        })?;
        let account = match key {
            Some(key) => DevAccount::from_hex(key)
                .map_err(|e| CliError::Input(format!("--validator {name}:KEY: {e}")))?,
            None if args.dev => {
                let account = dev.get(next_dev).cloned().ok_or_else(|| {
                    CliError::Input(format!(
                        "--validator {name}: the test mnemonic's accounts 1 to 9 are all taken \
                         (give a KEY)"
                    ))
                })?;
                next_dev += 1;
                account
            }
            None => {
                return Err(CliError::Input(format!(
                    "--validator {name}: give its L1 key as {name}:KEY (only --dev lends the \
                     test mnemonic's accounts)"
                )))
            }
        };
        let owner = match &args.l1_key {
            Some(key) => DevAccount::from_hex(key).map(|a| a.address).ok(),
            None => dev.first().map(|a| a.address),
        };
        if Some(account.address) == owner {
            return Err(CliError::Input(format!(
                "--validator {text}: that account owns the rollup, and the owner's calls go \
                 to the admin facet: it cannot validate"
            )));
        }
        specs.push(ValidatorSpec {
            strategy,
            account,
            thresholds: if args.dev {
                DEV_THRESHOLDS
            } else {
                Thresholds::GO
            },
        });
    }
    Ok(specs)
}

fn node_error(e: avm_node::NodeError) -> CliError {
    CliError::Input(e.to_string())
}

/// A data dir removed when dropped.
struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// `avm node`.
pub fn run(args: &NodeArgs) -> Result<(), CliError> {
    if !(args.batch_interval.is_finite() && args.batch_interval > 0.0) {
        return Err(CliError::Input(
            "--batch-interval: a positive number of seconds".into(),
        ));
    }
    let mut scratch = None;
    let data_dir = match (&args.data_dir, args.dev || args.follow) {
        (Some(dir), _) => dir.clone(),
        (None, true) => {
            let dir = std::env::temp_dir().join(format!("avm-node-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            scratch = Some(Scratch(dir.clone()));
            dir
        }
        (None, false) => {
            return Err(CliError::Input(
                "--data-dir D is needed (or --dev, for a throwaway dev chain; a follower \
                 without one keeps its copy until it stops)"
                    .into(),
            ))
        }
    };
    let l1 = match (&args.l1, &args.l1_key) {
        (Some(url), key) => L1Choice::Remote {
            url: url.clone(),
            key: key
                .as_ref()
                .map(|key| {
                    DevAccount::from_hex(key).map_err(|e| CliError::Input(format!("--l1-key: {e}")))
                })
                .transpose()?,
        },
        _ => L1Choice::Embedded {
            chain_id: args.l1_chain_id,
        },
    };
    let config = NodeConfig {
        data_dir: data_dir.clone(),
        arbos: args.arbos.clone(),
        contracts: args.contracts.clone(),
        chain_id: args.chain_id,
        l1,
        dev: args.dev,
        fees: args.fees,
        batch_interval: Duration::from_secs_f64(args.batch_interval.min(1e6)),
        record: args.record.is_some(),
        validators: validators(args)?,
        follow: match &args.rollup {
            Some(text) => Some(parse_address(text).ok_or_else(|| {
                CliError::Input(format!("--rollup {text}: not a 20-byte hex address"))
            })?),
            None => None,
        },
        minimum_assertion_period: args
            .dev
            .then_some(avm_node::launch::DEV_MINIMUM_ASSERTION_PERIOD),
        // Validators look at the L1 twice a block (at most once a second), so that
        // a challenge's moves cost them about a block of their time each.
        validator_poll: Duration::from_secs_f64(
            (config_block_time(args).unwrap_or(12.0) / 2.0).clamp(0.05, 1.0),
        ),
        l1_block_time: match args.l1_block_time {
            Some(secs) if secs.is_finite() && secs > 0.0 => {
                Some(Duration::from_secs_f64(secs.min(1e6)))
            }
            Some(_) => {
                return Err(CliError::Input(
                    "--l1-block-time: a positive number of seconds".into(),
                ))
            }
            None => args.dev.then_some(Duration::from_secs(1)),
        },
        l1_log_window: args.l1_log_window,
    };
    if !args.json {
        errln!("avm node: starting (creating the rollup and booting ArbOS on a new chain takes a few seconds)");
    }
    let started = launch(&config).map_err(node_error)?;
    let server = avm_rpc::Server::start(
        &args.rpc,
        Arc::new(L2Rpc::new(started.node.clone(), args.chain_id)),
        avm_rpc::Limits::default(),
    )
    .map_err(|e| CliError::Input(format!("--rpc: {e}")))?;
    let l1_server = match &args.l1_rpc {
        Some(address) => Some(
            avm_rpc::Server::start(
                address,
                Arc::new(L1Rpc::new(started.l1.clone())),
                avm_rpc::Limits::default(),
            )
            .map_err(|e| CliError::Input(format!("--l1-rpc: {e}")))?,
        ),
        None => None,
    };
    let listening = server.local_addr();
    let head = started
        .node
        .archive()
        .read()
        .map(|a| a.head())
        .unwrap_or_default();
    let inbox = started
        .node
        .with(|core| (core.position(), core.unposted()))
        .map_err(node_error)?;
    announce(
        args,
        &started,
        &Where {
            data_dir: &data_dir,
            throwaway: scratch.is_some(),
            head,
            inbox,
            rpc: listening.to_string(),
            l1_rpc: l1_server.as_ref().map(|s| s.local_addr().to_string()),
            validators: &config.validators,
        },
    );
    let printer = match (&started.validators, args.json) {
        (Some(validators), false) => Some(print_validators(validators.clone())),
        _ => None,
    };
    wait_for_shutdown();
    if let Some(printer) = printer {
        printer.store(true, std::sync::atomic::Ordering::Relaxed);
    }
    if let Some(validators) = &started.validators {
        validators.stop();
    }
    if !args.json {
        errln!("avm node: stopping (posting what was sequenced)");
    }
    server.stop();
    if let Some(l1_server) = l1_server {
        l1_server.stop();
    }
    let recording = match &args.record {
        Some(path) => Some((
            path,
            started
                .node
                .with(|core| core.recording().map(|(r, gas)| (r.clone(), gas)))
                .map_err(node_error)?,
        )),
        None => None,
    };
    started.node.stop().map_err(node_error)?;
    started
        .l1
        .with(|chain| chain.as_embedded_mut().map(|e| e.flush()))
        .map_err(|e| CliError::Input(e.to_string()))?
        .transpose()
        .map_err(|e| CliError::Input(e.to_string()))?;
    if let Some((path, Some((recording, gas)))) = recording {
        let program = crate::bounds::load_mexe(&args.arbos)?;
        let logs: Vec<&avm_value::Value> = recording.logs.iter().collect();
        let sends: Vec<&[u8]> = recording.sends.iter().map(Vec::as_slice).collect();
        crate::error::write_file(
            path,
            avm_tools::replay::write_aoslog(&recording.inbox, &logs, &sends, gas, &program.code),
        )?;
        if !args.json {
            errln!(
                "avm node: recorded {} inbox messages, {} logs to {}",
                recording.inbox.len(),
                recording.logs.len(),
                path.display()
            );
        }
    }
    drop(scratch);
    Ok(())
}

/// Prints what the validators do, as they do it, until the flag returned is set.
fn print_validators(
    validators: Arc<avm_node::validators::Validators>,
) -> Arc<std::sync::atomic::AtomicBool> {
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flag = stop.clone();
    std::thread::spawn(move || {
        let (mut shown, mut errors) = (0, 0);
        while !flag.load(std::sync::atomic::Ordering::Relaxed) {
            let (taken, next) = validators.taken_since(shown);
            for t in taken {
                errln!("validator {}: {}", hex20(&t.validator), t.action);
            }
            shown = next;
            let (failed, next) = validators.errors_since(errors);
            for e in failed {
                errln!("validator round failed (retried): {e}");
            }
            errors = next;
            std::thread::sleep(Duration::from_millis(250));
        }
    });
    stop
}

/// Where the chain stands and is served, as the node starts.
struct Where<'a> {
    data_dir: &'a std::path::Path,
    throwaway: bool,
    head: u64,
    /// Messages in the machine's inbox, and how many of them the L1 does not hold yet.
    inbox: (u64, u64),
    rpc: String,
    l1_rpc: Option<String>,
    /// The validators the node runs.
    validators: &'a [ValidatorSpec],
}

/// The L1 block time the node runs with (as `run` computes it).
fn config_block_time(args: &NodeArgs) -> Option<f64> {
    args.l1_block_time.or(args.dev.then_some(1.0))
}

fn announce(args: &NodeArgs, started: &Started, at: &Where<'_>) {
    let Where {
        data_dir,
        throwaway,
        head,
        inbox,
        rpc,
        l1_rpc,
        validators,
    } = at;
    let ether = u64::try_from(DEV_DEPOSIT / 1_000_000_000_000_000_000).unwrap_or(u64::MAX);
    let accounts = if args.dev {
        started.accounts.as_slice()
    } else {
        &[]
    };
    if args.json {
        let mut rollup = started.rollup.to_json();
        rollup["machineHash"] = json!(started.machine_hash.to_string());
        outln!(
            "{}",
            json!({
                "chainId": args.chain_id,
                "rpc": format!("http://{rpc}"),
                "l1Rpc": l1_rpc.as_ref().map(|a| format!("http://{a}")),
                "blockNumber": head,
                "inboxMessages": inbox.0,
                "unposted": inbox.1,
                "resumed": started.resumed,
                "dataDir": data_dir.display().to_string(),
                "mnemonic": DEV_MNEMONIC,
                "accounts": accounts_json(accounts, ether),
                "rollup": rollup,
                "validators": validators.iter().map(|v| json!({
                    "address": hex20(&v.account.address),
                    "strategy": v.strategy.name(),
                })).collect::<Vec<_>>(),
            })
        );
        return;
    }
    outln!("avm node: an Arbitrum Classic chain (ArbOS on avm) with its L1\n");
    if args.dev {
        print_accounts(accounts, ether, args.chain_id);
    } else {
        outln!("Chain ID\n==================\n\n{}\n", args.chain_id);
    }
    outln!(
        "Rollup ({})\n==================\n",
        if started.resumed {
            "found on the L1"
        } else {
            "created now"
        }
    );
    crate::commands::l1::print_rollup(&started.rollup, started.machine_hash);
    outln!(
        "\nL1                  {}",
        match &args.l1 {
            Some(url) => url.clone(),
            None => format!("embedded (chain {})", args.l1_chain_id),
        }
    );
    if let Some(l1_rpc) = l1_rpc {
        outln!("L1 JSON-RPC         http://{l1_rpc}");
    }
    if args.follow {
        outln!(
            "sequencer           none here: the chain is read from the L1 (sequenced by {})",
            hex20(&started.rollup.sequencer)
        );
    } else {
        outln!(
            "sequencer           {} (batches every {}s)",
            hex20(&started.rollup.sequencer),
            args.batch_interval
        );
    }
    outln!(
        "inbox               {} messages, {} not yet on the L1",
        inbox.0,
        inbox.1
    );
    for spec in validators.iter() {
        outln!(
            "validator           {} ({})",
            hex20(&spec.account.address),
            spec.strategy.name()
        );
    }
    if let Some(secs) = started.clock.as_ref().and(config_block_time(args)) {
        outln!("L1 clock            a block every {secs}s");
    }
    if *throwaway {
        outln!(
            "\nchain kept in {} until the node stops (block {head}); --data-dir keeps it",
            data_dir.display()
        );
    } else {
        outln!("\nchain kept in {} (block {head})", data_dir.display());
    }
    outln!("\nListening on {rpc}");
}
