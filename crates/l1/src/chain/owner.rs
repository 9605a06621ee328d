//! A chain owned by one thread, reached from others by requests and replies.
//!
//! revm's EVM is not `Send` (its interpreter holds raw pointers and `Rc`s), so an
//! embedded chain lives on the thread that made it. Servers and clocks on other
//! threads hand it work through a [`ChainHandle`]: a closure to run on the chain's
//! thread, its result sent back.

use std::sync::mpsc;

use super::{Chain, L1Error};

type Job = Box<dyn FnOnce(&mut Chain) + Send>;

/// A handle to a chain running on its own thread; cheap to clone and share.
#[derive(Clone, Debug)]
pub struct ChainHandle {
    jobs: mpsc::Sender<Job>,
}

impl ChainHandle {
    /// Starts a thread, makes the chain there with `make`, and serves requests until
    /// every handle is dropped (the chain is then flushed and dropped on its thread).
    pub fn spawn(
        make: impl FnOnce() -> Result<Chain, L1Error> + Send + 'static,
    ) -> Result<ChainHandle, L1Error> {
        let (jobs, queue) = mpsc::channel::<Job>();
        let (ready, started) = mpsc::channel::<Result<(), L1Error>>();
        std::thread::Builder::new()
            .name("avm-l1-chain".into())
            .spawn(move || {
                let mut chain = match make() {
                    Ok(chain) => {
                        let _ = ready.send(Ok(()));
                        chain
                    }
                    Err(e) => {
                        let _ = ready.send(Err(e));
                        return;
                    }
                };
                for job in queue {
                    job(&mut chain);
                }
                if let Some(embedded) = chain.as_embedded_mut() {
                    let _ = embedded.flush();
                }
            })
            .map_err(|e| L1Error::Evm(format!("starting the chain's thread: {e}")))?;
        started
            .recv()
            .map_err(|_| L1Error::Evm("the chain's thread ended before it started".into()))??;
        Ok(ChainHandle { jobs })
    }

    /// Runs `work` on the chain's thread and returns its result.
    pub fn with<R: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Chain) -> R + Send + 'static,
    ) -> Result<R, L1Error> {
        let (reply, answer) = mpsc::channel();
        self.jobs
            .send(Box::new(move |chain: &mut Chain| {
                let _ = reply.send(work(chain));
            }))
            .map_err(|_| L1Error::Evm("the chain's thread has stopped".into()))?;
        answer
            .recv()
            .map_err(|_| L1Error::Evm("the chain's thread stopped while working".into()))
    }
}
