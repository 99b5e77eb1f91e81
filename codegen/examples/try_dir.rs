fn main() {
    let dir = std::env::args().nth(1).unwrap();
    let t = std::time::Instant::now();
    match polar_oauth2_codegen::generate_dir(std::path::Path::new(&dir)) {
        Ok(o) => {
            for w in &o.warnings {
                println!("warning: {w}");
            }
            println!("{:?}", o.timings);
            println!(
                "lines {} bytes {} in {:?}",
                o.client.lines().count(),
                o.client.len(),
                t.elapsed()
            );
            std::fs::write(format!("{dir}.rs"), &o.client).unwrap();
        }
        Err(e) => println!("ERR {e} after {:?}", t.elapsed()),
    }
}
