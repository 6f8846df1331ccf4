//! `bench load`: bulk-load a synthetic population and report the rate.

use anyhow::bail;
use contactpoint_store::Store;

use super::LoadArgs;
use crate::load::{load_population, peak_memory_bytes, progress_bar};

pub async fn run<S: Store>(store: &S, args: LoadArgs) -> anyhow::Result<()> {
    let already = store.count_children().await?;
    if already > 0 {
        bail!(
            "bench load needs an empty database, and this one holds {already} children: give another --data-dir or --database-url"
        );
    }
    let options = args.population.options();
    let empty_size = store.size_on_disk().await?;
    let bar = progress_bar(options.children, "loading");
    let report = load_population(store, options, 0, args.batch, &bar).await?;
    bar.finish_and_clear();
    let size = store.size_on_disk().await?.saturating_sub(empty_size);
    let seconds = report.elapsed.as_secs_f64();
    println!("children            {}", report.children);
    println!("carers              {}", report.carers);
    println!("involvements        {}", report.involvements);
    println!(
        "batch               {} children per transaction",
        args.batch
    );
    println!("wall time           {seconds:.1} s");
    println!(
        "rate                {:.0} children/s",
        report.children as f64 / seconds.max(1e-9)
    );
    println!(
        "store time          {:.1} s ({:.0} children/s inside insert calls)",
        report.storing.as_secs_f64(),
        report.children as f64 / report.storing.as_secs_f64().max(1e-9)
    );
    println!(
        "size on disk        {:.1} MiB ({:.0} bytes per child)",
        size as f64 / 1_048_576.0,
        size as f64 / report.children.max(1) as f64
    );
    if let Some(peak) = peak_memory_bytes() {
        println!(
            "peak memory (RSS)   {:.0} MiB (this process)",
            peak as f64 / 1_048_576.0
        );
    }
    Ok(())
}
