//! A feed read on a thread of its own while its records are linked.
//!
//! The deciding thread is the one that limits an import, and reading the
//! feed was 7 % of it (at national scale, the health feed's FHIR lines);
//! the other core has room.

use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::thread::JoinHandle;

/// How many records the reading thread may be ahead: two batches.
const AHEAD: usize = 2 * crate::BATCH;

/// The records of `feed`, read on a thread of its own, in the same order.
/// A panic while reading is raised again here, where the records are
/// taken, so a feed never just ends early. Fails only if no thread can be
/// started.
pub fn read_ahead<I>(feed: I) -> std::io::Result<ReadAhead<I::Item>>
where
    I: Iterator + Send + 'static,
    I::Item: Send + 'static,
{
    let (sender, receiver) = sync_channel(AHEAD);
    let reader = std::thread::Builder::new()
        .name("feed-reader".into())
        .spawn(move || send_all(feed, sender))?;
    Ok(ReadAhead {
        receiver,
        reader: Some(reader),
    })
}

fn send_all<I: Iterator>(feed: I, sender: SyncSender<I::Item>) {
    for record in feed {
        // The importer stopped taking them: nothing more to read.
        if sender.send(record).is_err() {
            return;
        }
    }
}

/// See [`read_ahead`].
pub struct ReadAhead<T> {
    receiver: Receiver<T>,
    reader: Option<JoinHandle<()>>,
}

impl<T> Iterator for ReadAhead<T> {
    type Item = T;

    fn next(&mut self) -> Option<T> {
        match self.receiver.recv() {
            Ok(record) => Some(record),
            Err(_) => {
                if let Some(Err(panic)) = self.reader.take().map(JoinHandle::join) {
                    std::panic::resume_unwind(panic);
                }
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_read_ahead_come_in_the_feeds_order_and_all_of_them() {
        let read: Vec<u32> = read_ahead(0..20_000).unwrap().collect();

        assert_eq!(read, (0..20_000).collect::<Vec<_>>());
    }

    #[test]
    #[should_panic(expected = "a broken reader")]
    fn a_reader_that_breaks_breaks_the_import_instead_of_ending_the_feed() {
        let feed = (0..10).map(|n| if n == 5 { panic!("a broken reader") } else { n });

        let _: Vec<u32> = read_ahead(feed).unwrap().collect();
    }
}
