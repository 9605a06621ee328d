//! Installed filters (`eth_newFilter`, `eth_newBlockFilter`,
//! `eth_newPendingTransactionFilter`): what each has already reported, so that
//! `eth_getFilterChanges` answers only what is new, as ethers' polling listeners expect.
//! A filter not polled for [`FILTER_TIMEOUT`] is dropped, as geth drops it; at most
//! [`MAX_FILTERS`] exist at once, naming at most [`MAX_INSTALLED_OPTIONS`] addresses
//! and topics between them (each may name thousands, so the count alone would let
//! them hold gigabytes).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use avm_rpc::LogFilter;

/// How long a filter lives without being polled (geth's deadline).
pub const FILTER_TIMEOUT: Duration = Duration::from_secs(300);

/// Most filters installed at once.
pub const MAX_FILTERS: usize = 10_000;

/// Most addresses and topics all installed filters name together (about 6 MB).
pub const MAX_INSTALLED_OPTIONS: usize = 200_000;

/// What a filter watches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Watch {
    /// Logs passing a filter.
    Logs(LogFilter),
    /// New blocks.
    Blocks,
    /// Pending transactions (none: a transaction is in a block before its hash is
    /// returned).
    PendingTransactions,
}

impl Watch {
    /// How many addresses and topics it names.
    fn options(&self) -> usize {
        match self {
            Watch::Logs(filter) => filter.options(),
            Watch::Blocks | Watch::PendingTransactions => 0,
        }
    }
}

#[derive(Debug)]
struct Installed {
    watch: Watch,
    /// The first block not yet reported.
    next_block: u64,
    polled: Instant,
}

/// The filters, by id.
#[derive(Debug, Default)]
pub struct Filters {
    next_id: u64,
    installed: HashMap<u64, Installed>,
    /// The addresses and topics the installed filters name, together.
    options: usize,
}

/// Why a filter call failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FilterError {
    /// No such filter (never installed, uninstalled, or expired).
    #[error("filter not found")]
    NotFound,
    /// Too many filters.
    #[error("too many filters installed (at most {MAX_FILTERS}); uninstall some")]
    TooMany,
    /// The filters would name too many addresses and topics between them.
    #[error("the installed filters would name more than {MAX_INSTALLED_OPTIONS} addresses and topics; uninstall some")]
    TooLarge,
}

impl Filters {
    /// Installs a filter that reports what comes after block `head`; its id.
    pub fn install(&mut self, watch: Watch, head: u64) -> Result<u64, FilterError> {
        self.expire();
        if self.installed.len() >= MAX_FILTERS {
            return Err(FilterError::TooMany);
        }
        let options = self.options.saturating_add(watch.options());
        if options > MAX_INSTALLED_OPTIONS {
            return Err(FilterError::TooLarge);
        }
        self.options = options;
        self.next_id += 1;
        self.installed.insert(
            self.next_id,
            Installed {
                watch,
                next_block: head.saturating_add(1),
                polled: Instant::now(),
            },
        );
        Ok(self.next_id)
    }

    /// Removes a filter; whether it was there.
    pub fn uninstall(&mut self, id: u64) -> bool {
        self.expire();
        match self.installed.remove(&id) {
            Some(gone) => {
                self.options -= gone.watch.options();
                true
            }
            None => false,
        }
    }

    /// What filter `id` watches and the blocks it has not reported yet (up to
    /// `head`), which count as reported from now on.
    pub fn poll(&mut self, id: u64, head: u64) -> Result<(Watch, u64, u64), FilterError> {
        self.expire();
        let filter = self.installed.get_mut(&id).ok_or(FilterError::NotFound)?;
        filter.polled = Instant::now();
        let from = filter.next_block;
        filter.next_block = filter.next_block.max(head.saturating_add(1));
        Ok((filter.watch.clone(), from, head))
    }

    /// Takes back a [`Filters::poll`] whose answer could not be given (a log scan
    /// refused): blocks `from..=to` it returned count as not reported again, unless
    /// another poll has reported past them since.
    pub fn unpoll(&mut self, id: u64, from: u64, to: u64) {
        if let Some(filter) = self.installed.get_mut(&id) {
            if filter.next_block == to.saturating_add(1) && from < filter.next_block {
                filter.next_block = from;
            }
        }
    }

    /// What filter `id` watches, without marking anything reported.
    pub fn watch(&mut self, id: u64) -> Result<Watch, FilterError> {
        self.expire();
        let filter = self.installed.get_mut(&id).ok_or(FilterError::NotFound)?;
        filter.polled = Instant::now();
        Ok(filter.watch.clone())
    }

    fn expire(&mut self) {
        let options = &mut self.options;
        self.installed.retain(|_, f| {
            let live = f.polled.elapsed() < FILTER_TIMEOUT;
            if !live {
                *options -= f.watch.options();
            }
            live
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_filter_reports_each_block_once() {
        let mut filters = Filters::default();
        let id = filters.install(Watch::Blocks, 5).unwrap_or_default();
        assert_eq!(filters.poll(id, 5), Ok((Watch::Blocks, 6, 5)));
        assert_eq!(filters.poll(id, 8), Ok((Watch::Blocks, 6, 8)));
        assert_eq!(filters.poll(id, 8), Ok((Watch::Blocks, 9, 8)));
        // A poll whose answer failed is taken back; a later one is not undone by it.
        assert_eq!(filters.poll(id, 10), Ok((Watch::Blocks, 9, 10)));
        filters.unpoll(id, 9, 10);
        assert_eq!(filters.poll(id, 11), Ok((Watch::Blocks, 9, 11)));
        filters.unpoll(id, 9, 10);
        assert_eq!(filters.poll(id, 11), Ok((Watch::Blocks, 12, 11)));
        assert!(filters.uninstall(id));
        assert_eq!(filters.poll(id, 9), Err(FilterError::NotFound));
        assert!(!filters.uninstall(id));
    }

    #[test]
    fn the_filters_together_name_a_bounded_number_of_addresses_and_topics() {
        let topics: Vec<String> = (0..1_000u32).map(|i| format!("0x{:064x}", i)).collect();
        let big = avm_rpc::parse_log_filter(&serde_json::json!({
            "topics": [topics.clone(), topics.clone(), topics.clone(), topics],
        }))
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(big.options(), 4_000);
        let mut filters = Filters::default();
        let fit = MAX_INSTALLED_OPTIONS / 4_000;
        let ids: Vec<u64> = (0..fit)
            .map(|_| {
                filters
                    .install(Watch::Logs(big.clone()), 0)
                    .unwrap_or_else(|e| panic!("{e}"))
            })
            .collect();
        assert_eq!(
            filters.install(Watch::Logs(big.clone()), 0),
            Err(FilterError::TooLarge)
        );
        // Filters that name nothing still fit, and room comes back as filters go.
        assert!(filters.install(Watch::Blocks, 0).is_ok());
        assert!(filters.uninstall(ids[0]));
        assert!(filters.install(Watch::Logs(big), 0).is_ok());
    }
}
