//! `avm l1`: an L1 with the Classic rollup deployed. `--dev` runs the embedded chain
//! (dev accounts funded, state kept under `--data-dir`) and serves it over JSON-RPC;
//! `--deploy` deploys the rollup on a real node and prints its addresses.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use avm_l1::chain::{ChainHandle, Clock};
use avm_l1::serve::L1Rpc;
use avm_l1::setup::chain_parameter;
use avm_l1::{
    dev_accounts, Chain, Contracts, DevAccount, EmbeddedConfig, RemoteConfig, Rollup, RollupParams,
    DEV_MNEMONIC,
};
use avm_machine::Machine;
use avm_value::Hash;
use serde_json::json;

use crate::dev::{accounts_json, hex20, print_accounts, wait_for_shutdown};
use crate::error::CliError;

/// Options of `avm l1`.
#[derive(clap::Args, Debug)]
pub struct L1Args {
    /// Run an embedded dev L1 with the rollup deployed and serve it over JSON-RPC.
    #[arg(long, required_unless_present = "deploy", conflicts_with = "deploy")]
    pub dev: bool,
    /// Deploy the rollup on the Ethereum node at --l1 (sent with --l1-key) and print
    /// its addresses.
    #[arg(long, requires_all = ["l1", "l1_key"])]
    pub deploy: bool,
    /// With --dev: keep the chain in D (created if missing); a restart on D continues
    /// the same chain. Without it the chain lives in memory.
    #[arg(long, value_name = "D")]
    pub data_dir: Option<PathBuf>,
    /// With --dev: where to serve JSON-RPC.
    #[arg(long, value_name = "ADDR:PORT", default_value = "127.0.0.1:8545")]
    pub rpc: String,
    /// With --dev: the L1's chain id.
    #[arg(long, value_name = "N", default_value_t = 1337)]
    pub chain_id: u64,
    /// With --dev: mine an empty block every SECS seconds as well (by default a block
    /// is mined per transaction, and on `evm_mine` / `anvil_mine`).
    #[arg(long, value_name = "SECS")]
    pub block_time: Option<u64>,
    /// With --deploy: the Ethereum node's JSON-RPC endpoint (e.g. an anvil started with
    /// `--hardfork london`).
    #[arg(long, value_name = "URL")]
    pub l1: Option<String>,
    /// With --deploy: the private key (hex) that deploys, owns and sequences the rollup.
    #[arg(long, value_name = "KEY")]
    pub l1_key: Option<String>,
    /// The directory of the Classic L1 contracts' ABI and creation bytecode.
    #[arg(
        long,
        value_name = "DIR",
        default_value = "../shared/fixtures/classic/contracts"
    )]
    pub contracts: PathBuf,
    /// The ArbOS image whose initial machine hash the rollup starts from.
    #[arg(
        long,
        value_name = "FILE.mexe",
        default_value = "../shared/fixtures/arbos/arbos-v58.mexe"
    )]
    pub arbos: PathBuf,
    /// The L2's chain id, put in ArbOS's init message.
    #[arg(long, value_name = "N", default_value_t = 412_346)]
    pub l2_chain_id: u64,
    /// Print one JSON object (accounts, rollup addresses, the RPC address) instead of
    /// text.
    #[arg(long)]
    pub json: bool,
}

fn l1_error(e: avm_l1::L1Error) -> CliError {
    CliError::Input(e.to_string())
}

fn machine_hash(arbos: &Path) -> Result<Hash, CliError> {
    if !arbos.is_file() {
        return Err(CliError::Input(format!(
            "{}: no such file (--arbos names the ArbOS image the rollup starts from)",
            arbos.display()
        )));
    }
    let program = crate::bounds::load_mexe(arbos)?;
    Ok(Machine::new(program).hash())
}

fn contracts(dir: &Path) -> Result<Contracts, CliError> {
    if !dir.is_dir() {
        return Err(CliError::Input(format!(
            "{}: no such directory (--contracts names the directory of the Classic contracts)",
            dir.display()
        )));
    }
    Ok(Contracts::open(dir))
}

fn params(args: &L1Args, machine_hash: Hash, owner: [u8; 20]) -> RollupParams {
    RollupParams {
        extra_config: chain_parameter("ChainID", args.l2_chain_id),
        ..RollupParams::dev(machine_hash, owner)
    }
}

/// `avm l1`.
pub fn run(args: &L1Args) -> Result<(), CliError> {
    let contracts = contracts(&args.contracts)?;
    let machine_hash = machine_hash(&args.arbos)?;
    if args.deploy {
        deploy(args, &contracts, machine_hash)
    } else {
        dev(args, contracts, machine_hash)
    }
}

fn deploy(args: &L1Args, contracts: &Contracts, machine_hash: Hash) -> Result<(), CliError> {
    let (Some(url), Some(key)) = (&args.l1, &args.l1_key) else {
        return Err(CliError::Input(
            "--deploy needs --l1 URL and --l1-key KEY".into(),
        ));
    };
    let account =
        DevAccount::from_hex(key).map_err(|e| CliError::Input(format!("--l1-key: {e}")))?;
    let mut chain =
        Chain::remote(RemoteConfig::new(url.clone(), vec![account.clone()])).map_err(l1_error)?;
    let rollup = Rollup::deploy(
        &mut chain,
        contracts,
        account.address,
        &params(args, machine_hash, account.address),
    )
    .map_err(l1_error)?;
    if args.json {
        let mut out = rollup.to_json();
        out["l1"] = json!(url);
        out["chainId"] = json!(chain.chain_id());
        out["machineHash"] = json!(machine_hash.to_string());
        outln!("{out}");
    } else {
        outln!(
            "deployed the Classic rollup on {url} (chain {})",
            chain.chain_id()
        );
        print_rollup(&rollup, machine_hash);
    }
    Ok(())
}

/// The rollup's addresses, one per line.
pub fn print_rollup(rollup: &Rollup, machine_hash: Hash) {
    outln!("machine hash        {machine_hash}");
    outln!("rollup              {}", hex20(&rollup.rollup));
    outln!("inbox               {}", hex20(&rollup.inbox));
    outln!("bridge              {}", hex20(&rollup.bridge));
    outln!("sequencer inbox     {}", hex20(&rollup.sequencer_inbox));
    outln!("outbox              {}", hex20(&rollup.outbox));
    outln!("rollup event bridge {}", hex20(&rollup.rollup_event_bridge));
    outln!("challenge factory   {}", hex20(&rollup.challenge_factory));
    outln!(
        "owner / sequencer   {} / {}",
        hex20(&rollup.owner),
        hex20(&rollup.sequencer)
    );
    outln!("created in block    {}", rollup.created_block);
}

fn dev(args: &L1Args, contracts: Contracts, machine_hash: Hash) -> Result<(), CliError> {
    let accounts = dev_accounts(10).map_err(l1_error)?;
    let mut config = EmbeddedConfig::dev(args.chain_id, accounts.clone());
    config.data_dir = args.data_dir.clone();
    if args.block_time.is_some() {
        config.clock = Clock::System;
    }
    let owner = accounts
        .first()
        .map(|a| a.address)
        .ok_or_else(|| CliError::Input("no dev account".into()))?;
    let handle = ChainHandle::spawn(move || Chain::embedded(config)).map_err(l1_error)?;
    let rollup_params = params(args, machine_hash, owner);
    let (rollup, resumed, head) = handle
        .with(move |chain| {
            let found = Rollup::find(chain)?;
            let resumed = found.is_some();
            let rollup = match found {
                Some(rollup) => rollup,
                None => Rollup::deploy(chain, &contracts, owner, &rollup_params)?,
            };
            Ok::<_, avm_l1::L1Error>((rollup, resumed, chain.block_number()?))
        })
        .map_err(l1_error)?
        .map_err(l1_error)?;
    let server = avm_rpc::Server::start(
        &args.rpc,
        Arc::new(L1Rpc::new(handle.clone())),
        avm_rpc::Limits::default(),
    )
    .map_err(|e| CliError::Input(format!("--rpc: {e}")))?;
    let listening = server.local_addr();
    if args.json {
        let mut rollup_json = rollup.to_json();
        rollup_json["machineHash"] = json!(machine_hash.to_string());
        outln!(
            "{}",
            json!({
                "chainId": args.chain_id,
                "rpc": format!("http://{listening}"),
                "blockNumber": head,
                "resumed": resumed,
                "mnemonic": DEV_MNEMONIC,
                "accounts": accounts_json(&accounts, 10_000),
                "rollup": rollup_json,
            })
        );
    } else {
        outln!("avm l1: an embedded Ethereum chain with the Arbitrum Classic rollup\n");
        print_accounts(&accounts, 10_000, args.chain_id);
        outln!(
            "Rollup ({})\n==================\n",
            if resumed {
                "found on the chain"
            } else {
                "deployed now"
            }
        );
        print_rollup(&rollup, machine_hash);
        match &args.data_dir {
            Some(dir) => outln!("\nchain kept in {} (block {head})", dir.display()),
            None => outln!("\nchain kept in memory (block {head}); --data-dir keeps it"),
        }
        outln!("\nListening on {listening}");
    }
    if let Some(secs) = args.block_time.filter(|s| *s > 0) {
        let clock = handle.clone();
        std::thread::spawn(move || loop {
            std::thread::sleep(Duration::from_secs(secs));
            if clock.with(|chain| chain.mine(1)).is_err() {
                return;
            }
        });
    }
    wait_for_shutdown();
    server.stop();
    handle
        .with(|chain| chain.as_embedded_mut().map(|e| e.flush()))
        .map_err(l1_error)?
        .transpose()
        .map_err(l1_error)?;
    Ok(())
}
