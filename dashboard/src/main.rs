fn main() {
    dashboard::run();
}
