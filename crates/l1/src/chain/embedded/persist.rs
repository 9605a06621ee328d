//! The embedded chain kept in a data dir (one redb file, `l1.redb`): the world state,
//! blocks, transactions and receipts, written one sealed block per transaction of
//! the store, so a restart after `kill -9` continues from the last sealed block.
//! redb locks the file: a second process on the same data dir is refused.

use std::path::{Path, PathBuf};

use redb::{Database, ReadableTable, TableDefinition};
use revm::database::{CacheDB, EmptyDB};
use revm::primitives::{Address, B256, U256};
use revm::state::AccountInfo;

use super::blocks::{Block, ReceiptRecord};
use super::codec::Damaged;
use super::records::{
    decode_account, decode_block, decode_config, decode_receipt, decode_tx, encode_account,
    encode_block, encode_config, encode_receipt, encode_tx, rules_byte,
};
use super::txs::StoredTx;
use super::{bytecode, Embedded, EmbeddedConfig};
use crate::chain::types::L1Error;

/// A table of the data dir: byte keys to byte records.
type Table = TableDefinition<'static, &'static [u8], &'static [u8]>;
/// One record of a table, read out.
type Entry = (Vec<u8>, Vec<u8>);

const META: TableDefinition<&str, &[u8]> = TableDefinition::new("meta");
const ACCOUNTS: TableDefinition<&[u8], &[u8]> = TableDefinition::new("accounts");
const STORAGE: TableDefinition<&[u8], &[u8]> = TableDefinition::new("storage");
const CODE: TableDefinition<&[u8], &[u8]> = TableDefinition::new("code");
const BLOCKS: TableDefinition<&[u8], &[u8]> = TableDefinition::new("blocks");

/// A block's key in [`BLOCKS`]: its number, big-endian, so that keys sort as numbers.
fn block_key(number: u64) -> [u8; 8] {
    number.to_be_bytes()
}

/// Writes `info` under its key into the open [`BLOCKS`] table.
fn put_block(
    table: &mut redb::Table<&[u8], &[u8]>,
    info: &crate::chain::BlockInfo,
) -> Result<(), redb::StorageError> {
    table
        .insert(
            block_key(info.number).as_slice(),
            encode_block(info).as_slice(),
        )
        .map(|_| ())
}
const TXS: TableDefinition<&[u8], &[u8]> = TableDefinition::new("transactions");
const RECEIPTS: TableDefinition<&[u8], &[u8]> = TableDefinition::new("receipts");

/// The file an embedded chain is kept in, inside its data dir.
pub const L1_FILE: &str = "l1.redb";

/// What a block changed in the world state, to be written with it.
#[derive(Debug, Default, Clone)]
pub(crate) struct Touched {
    /// Accounts whose nonce, balance or code may have changed.
    pub accounts: Vec<Address>,
    /// Storage slots written.
    pub slots: Vec<(Address, U256)>,
    /// Accounts created or destroyed: their old storage is gone.
    pub cleared: Vec<Address>,
}

impl Touched {
    /// Whether nothing was changed.
    pub fn is_empty(&self) -> bool {
        self.accounts.is_empty() && self.slots.is_empty() && self.cleared.is_empty()
    }
}

/// An open data dir.
pub(crate) struct Persisted {
    db: Database,
    path: PathBuf,
}

fn store_error(path: &Path, e: impl std::fmt::Display) -> L1Error {
    L1Error::Store {
        path: path.display().to_string(),
        message: e.to_string(),
    }
}

fn damaged(path: &Path, e: Damaged) -> L1Error {
    store_error(path, e)
}

impl Persisted {
    /// Opens (or creates) `dir/l1.redb`, refusing a data dir another process holds.
    pub fn open(dir: &Path, _config: &EmbeddedConfig) -> Result<Persisted, L1Error> {
        std::fs::create_dir_all(dir).map_err(|e| store_error(dir, e))?;
        let path = dir.join(L1_FILE);
        let db = avm_store::open_database(&path).map_err(|e| match e {
            avm_store::OpenDatabaseError::AlreadyOpen => store_error(
                &path,
                "another process has this data dir open (is an avm l1 or node already running on it?)",
            ),
            other => store_error(&path, other),
        })?;
        Ok(Persisted { db, path })
    }

    /// Whether nothing has been written yet (a new chain).
    pub fn is_empty(&self) -> Result<bool, L1Error> {
        let read = self
            .db
            .begin_read()
            .map_err(|e| store_error(&self.path, e))?;
        match read.open_table(META) {
            Ok(table) => Ok(table
                .get("config")
                .map_err(|e| store_error(&self.path, e))?
                .is_none()),
            Err(redb::TableError::TableDoesNotExist(_)) => Ok(true),
            Err(e) => Err(store_error(&self.path, e)),
        }
    }

    /// Writes block 0 and the accounts it funds.
    pub fn write_genesis(
        &mut self,
        config: &EmbeddedConfig,
        genesis: &Block,
        alloc: &[Address],
        db: &CacheDB<EmptyDB>,
    ) -> Result<(), L1Error> {
        let touched = Touched {
            accounts: alloc.to_vec(),
            ..Touched::default()
        };
        self.write(Some(config), genesis, &[], &[], &touched, db)
    }

    /// Writes sealed blocks without transactions (which changed no state) in one
    /// transaction.
    pub fn write_empty_blocks(
        &mut self,
        blocks: &[&crate::chain::BlockInfo],
    ) -> Result<(), L1Error> {
        let err = |e: &dyn std::fmt::Display| store_error(&self.path, e);
        let write = self.db.begin_write().map_err(|e| err(&e))?;
        {
            let mut table = write.open_table(BLOCKS).map_err(|e| err(&e))?;
            for info in blocks {
                put_block(&mut table, info).map_err(|e| err(&e))?;
            }
        }
        write.commit().map_err(|e| err(&e))
    }

    /// Writes a sealed block with its transactions, receipts and the state it left.
    pub fn write_block(
        &mut self,
        block: &Block,
        txs: &[&StoredTx],
        receipts: &[&ReceiptRecord],
        touched: &Touched,
        db: &CacheDB<EmptyDB>,
    ) -> Result<(), L1Error> {
        self.write(None, block, txs, receipts, touched, db)
    }

    fn write(
        &mut self,
        config: Option<&EmbeddedConfig>,
        block: &Block,
        txs: &[&StoredTx],
        receipts: &[&ReceiptRecord],
        touched: &Touched,
        db: &CacheDB<EmptyDB>,
    ) -> Result<(), L1Error> {
        let err = |e: &dyn std::fmt::Display| store_error(&self.path, e);
        let write = self.db.begin_write().map_err(|e| err(&e))?;
        {
            let mut meta = write.open_table(META).map_err(|e| err(&e))?;
            if let Some(config) = config {
                meta.insert("config", encode_config(config).as_slice())
                    .map_err(|e| err(&e))?;
            }
            let mut accounts = write.open_table(ACCOUNTS).map_err(|e| err(&e))?;
            let mut storage = write.open_table(STORAGE).map_err(|e| err(&e))?;
            let mut code = write.open_table(CODE).map_err(|e| err(&e))?;
            for address in &touched.cleared {
                let start = storage_key(address, &U256::ZERO);
                let end = storage_key(address, &U256::MAX);
                storage
                    .retain_in(start.as_slice()..=end.as_slice(), |_, _| false)
                    .map_err(|e| err(&e))?;
            }
            for address in &touched.accounts {
                let account = db.cache.accounts.get(address).and_then(|a| a.info());
                match account {
                    Some(info) => {
                        accounts
                            .insert(address.as_slice(), encode_account(&info).as_slice())
                            .map_err(|e| err(&e))?;
                        let bytes = info.code.as_ref().map(|c| c.original_bytes()).or_else(|| {
                            db.cache
                                .contracts
                                .get(&info.code_hash)
                                .map(|c| c.original_bytes())
                        });
                        if let Some(bytes) = bytes.filter(|b| !b.is_empty()) {
                            code.insert(info.code_hash.as_slice(), bytes.as_ref())
                                .map_err(|e| err(&e))?;
                        }
                    }
                    None => {
                        accounts.remove(address.as_slice()).map_err(|e| err(&e))?;
                    }
                }
            }
            for (address, slot) in &touched.slots {
                let value = db
                    .cache
                    .accounts
                    .get(address)
                    .and_then(|a| a.storage.get(slot).copied())
                    .unwrap_or_default();
                let key = storage_key(address, slot);
                if value.is_zero() {
                    storage.remove(key.as_slice()).map_err(|e| err(&e))?;
                } else {
                    storage
                        .insert(key.as_slice(), value.to_be_bytes::<32>().as_slice())
                        .map_err(|e| err(&e))?;
                }
            }
            let mut blocks = write.open_table(BLOCKS).map_err(|e| err(&e))?;
            put_block(&mut blocks, &block.info).map_err(|e| err(&e))?;
            let mut tx_table = write.open_table(TXS).map_err(|e| err(&e))?;
            for tx in txs {
                tx_table
                    .insert(tx.hash.0.as_slice(), encode_tx(tx).as_slice())
                    .map_err(|e| err(&e))?;
            }
            let mut receipt_table = write.open_table(RECEIPTS).map_err(|e| err(&e))?;
            for receipt in receipts {
                receipt_table
                    .insert(
                        receipt.tx_hash.0.as_slice(),
                        encode_receipt(receipt).as_slice(),
                    )
                    .map_err(|e| err(&e))?;
            }
        }
        write.commit().map_err(|e| err(&e))?;
        Ok(())
    }

    /// Reads the whole chain into `embedded` (whose configuration must name the same
    /// chain).
    pub fn load_into(&mut self, embedded: &mut Embedded) -> Result<(), L1Error> {
        let path = self.path.clone();
        let err = |e: &dyn std::fmt::Display| store_error(&path, e);
        let read = self.db.begin_read().map_err(|e| err(&e))?;
        let meta = read.open_table(META).map_err(|e| err(&e))?;
        let config = meta
            .get("config")
            .map_err(|e| err(&e))?
            .ok_or_else(|| err(&"no chain configuration"))?;
        let (chain_id, hardfork, gas_limit, rules) =
            decode_config(config.value()).map_err(|e| damaged(&path, e))?;
        let wanted = &embedded.config;
        if chain_id != wanted.chain_id
            || hardfork != wanted.hardfork.name()
            || gas_limit != wanted.block_gas_limit
            || rules != rules_byte(wanted.rules)
        {
            return Err(err(&format!(
                "it holds chain {chain_id} ({hardfork}, {gas_limit} gas blocks), not chain {} ({}, {} gas blocks)",
                wanted.chain_id,
                wanted.hardfork.name(),
                wanted.block_gas_limit
            )));
        }
        let entries = |table: Table| -> Result<Vec<Entry>, L1Error> {
            let table = read.open_table(table).map_err(|e| err(&e))?;
            let iter = table.iter().map_err(|e| err(&e))?;
            iter.map(|entry| {
                let (k, v) = entry.map_err(|e| err(&e))?;
                Ok((k.value().to_vec(), v.value().to_vec()))
            })
            .collect()
        };
        let fixed = |bytes: &[u8], what: &str| -> Result<[u8; 32], L1Error> {
            bytes
                .try_into()
                .map_err(|_| err(&format!("{what} is not 32 bytes")))
        };
        let db = embedded.evm_db_mut();
        for (hash, code) in entries(CODE)? {
            let hash = fixed(&hash, "a code key")?;
            db.cache.contracts.insert(B256::from(hash), bytecode(&code));
        }
        for (address, record) in entries(ACCOUNTS)? {
            let address = Address::try_from(address.as_slice())
                .map_err(|_| err(&"an account key is not 20 bytes"))?;
            let info = decode_account(&record).map_err(|e| damaged(&path, e))?;
            let code = db.cache.contracts.get(&info.code_hash).cloned();
            db.insert_account_info(address, AccountInfo { code, ..info });
        }
        for (key, value) in entries(STORAGE)? {
            if key.len() != 52 {
                return Err(err(&"a storage key is not 52 bytes"));
            }
            let address = Address::from_slice(&key[..20]);
            let slot = U256::from_be_bytes(fixed(&key[20..], "a storage slot")?);
            let value = U256::from_be_bytes(fixed(&value, "a storage value")?);
            db.insert_account_storage(address, slot, value)
                .map_err(|e| err(&format!("{e:?}")))?;
        }
        // Block 0 first, then rising numbers (a chain may skip some: set_block), each
        // under its own number, all below 2^64 - 1 so that the next one has a number:
        // anything else is a damaged file.
        let mut blocks: Vec<crate::chain::BlockInfo> = Vec::new();
        for (key, record) in entries(BLOCKS)? {
            let info = decode_block(&record).map_err(|e| damaged(&path, e))?;
            let after = blocks.last().map(|b| b.number);
            let in_place = key == block_key(info.number)
                && info.number < u64::MAX
                && after.map_or(info.number == 0, |after| info.number > after);
            if !in_place {
                return Err(err(&format!(
                    "the blocks are damaged (block {} is misnumbered)",
                    info.number
                )));
            }
            blocks.push(info);
        }
        if blocks.is_empty() {
            return Err(err(&"the blocks are damaged (there is no genesis block)"));
        }
        for (_, record) in entries(TXS)? {
            let tx = decode_tx(&record).map_err(|e| damaged(&path, e))?;
            embedded.txs.insert(tx.hash, tx);
        }
        for (_, record) in entries(RECEIPTS)? {
            let receipt = decode_receipt(&record).map_err(|e| damaged(&path, e))?;
            embedded.receipts.insert(receipt.tx_hash, receipt);
        }
        for info in blocks {
            embedded.insert_block(Block { info });
        }
        Ok(())
    }
}

impl Embedded {
    fn evm_db_mut(&mut self) -> &mut CacheDB<EmptyDB> {
        use revm::context::ContextTr;
        self.evm.ctx.db_mut()
    }
}

fn storage_key(address: &Address, slot: &U256) -> [u8; 52] {
    let mut key = [0u8; 52];
    key[..20].copy_from_slice(address.as_slice());
    key[20..].copy_from_slice(&slot.to_be_bytes::<32>());
    key
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chain::dev::dev_accounts;

    /// A data dir whose `l1.redb` says it has pages of another size than it has: redb
    /// asserts on that when it opens the file; the chain reports it as an error.
    #[test]
    fn a_damaged_chain_file_is_an_error_not_a_panic() {
        let dir = std::env::temp_dir().join(format!("avm-l1-damaged-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let config = EmbeddedConfig::dev(1, dev_accounts(1).unwrap_or_else(|e| panic!("{e}")));
        drop(Persisted::open(&dir, &config).unwrap_or_else(|e| panic!("{e}")));
        avm_testkit::damage::redb_page_size(&dir.join(L1_FILE));
        let error = Persisted::open(&dir, &config).err().map(|e| e.to_string());
        let error = error.unwrap_or_else(|| panic!("a damaged chain file opened"));
        assert!(error.contains("damaged"), "{error}");
        std::fs::remove_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    }

    /// A chain file whose blocks were tampered with (a block numbered 2^64 - 1, whose
    /// successor's number would overflow) is refused when the chain opens.
    #[test]
    fn misnumbered_blocks_are_refused() {
        let dir = std::env::temp_dir().join(format!("avm-l1-blocks-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let mut config = EmbeddedConfig::dev(1, dev_accounts(1).unwrap_or_else(|e| panic!("{e}")));
        config.data_dir = Some(dir.clone());
        drop(Embedded::open(config.clone()).unwrap_or_else(|e| panic!("{e}")));
        let db = redb::Database::create(dir.join(L1_FILE)).unwrap_or_else(|e| panic!("{e}"));
        let write = db.begin_write().unwrap_or_else(|e| panic!("{e}"));
        {
            let mut blocks = write.open_table(BLOCKS).unwrap_or_else(|e| panic!("{e}"));
            let genesis = blocks
                .get([0u8; 8].as_slice())
                .unwrap_or_else(|e| panic!("{e}"))
                .map(|v| v.value().to_vec())
                .unwrap_or_else(|| panic!("no genesis"));
            let mut last = decode_block(&genesis).unwrap_or_else(|e| panic!("{e:?}"));
            last.number = u64::MAX;
            blocks
                .insert(
                    u64::MAX.to_be_bytes().as_slice(),
                    encode_block(&last).as_slice(),
                )
                .unwrap_or_else(|e| panic!("{e}"));
        }
        write.commit().unwrap_or_else(|e| panic!("{e}"));
        drop(db);
        let error = Embedded::open(config.clone()).err().map(|e| e.to_string());
        let error = error.unwrap_or_else(|| panic!("a chain with a misnumbered block opened"));
        assert!(
            error.contains("block 18446744073709551615 is misnumbered"),
            "{error}"
        );
        // A chain that skipped numbers (set_block) is whole, and opens again.
        std::fs::remove_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
        let mut chain = Embedded::open(config.clone()).unwrap_or_else(|e| panic!("{e}"));
        assert!(chain.set_block(u64::MAX, 1 << 40).is_err());
        chain
            .set_block(10, 1 << 40)
            .unwrap_or_else(|e| panic!("{e}"));
        // Mined together, written together: all of them are there after a restart.
        chain.mine(2_000).unwrap_or_else(|e| panic!("{e}"));
        let head = chain.head().number;
        drop(chain);
        let again = Embedded::open(config).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(again.head().number, head);
        assert_eq!(head, 10 + 2_000 - 1);
        let hash = |n: u64| again.block_info(n).map(|b| b.hash);
        assert!(hash(1_000).is_some() && hash(1_000) != hash(1_001));
        drop(again);
        std::fs::remove_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    }
}
