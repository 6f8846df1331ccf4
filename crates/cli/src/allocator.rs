//! The allocator, and how long it keeps memory that was freed.

// The import pipeline allocates and frees many small strings from two
// threads at once (the runtime's and SQLite's); glibc's allocator spent a
// quarter of an import in malloc, free and their locks.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc's setting for how long (in ms) memory freed stays with the
/// process before it is given back to the system (`-1`: never), and the
/// name it had before, which mimalloc still reads.
const PURGE_DELAY: [&str; 2] = ["MIMALLOC_PURGE_DELAY", "MIMALLOC_RESET_DELAY"];

/// Runs this program again in its own place (the same process, with the
/// same arguments) with freed memory kept, unless the setting is made
/// already. An import frees each batch's memory and allocates the next's a
/// second or two later; mimalloc had given it back by then (after 1 s), and
/// the faults and zeroed pages on the way back cost the deciding thread a
/// tenth of its time at four million children (at 100,000 children:
/// 4,400-4,757 records/s against 3,857-4,637, half the page faults or
/// fewer). mimalloc reads its settings from the environment only as the
/// program starts, and setting them from code would need `unsafe`, which
/// this workspace forbids.
pub fn keep_freed_memory() {
    if PURGE_DELAY
        .iter()
        .any(|name| std::env::var_os(name).is_some())
    {
        return;
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        // This very file, even if it was replaced or removed since it was
        // started (an upgrade), where the system shows it.
        let program = match std::path::Path::new("/proc/self/exe").exists() {
            true => std::path::PathBuf::from("/proc/self/exe"),
            false => match std::env::current_exe() {
                Ok(program) => program,
                Err(_) => return,
            },
        };
        let mut args = std::env::args_os();
        let name = args
            .next()
            .unwrap_or_else(|| program.clone().into_os_string());
        // Returns only if the program could not be run again: it then goes
        // on as it is, with memory given back sooner.
        let _failed = std::process::Command::new(&program)
            .arg0(&name)
            .args(args)
            .env(PURGE_DELAY[0], "-1")
            .exec();
    }
}
