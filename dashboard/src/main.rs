fn main() { dashboard::run(); }
