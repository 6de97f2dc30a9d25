//! Integration tests: one binary, every handler through the real pipeline
//! against DynamoDB Local (started by `make test`).

mod audit;
mod auth;
mod bad_input;
mod cases;
mod companies;
mod departments;
mod documents;
mod employees;
mod handover;
mod idempotency;
mod imports;
mod leavers;
mod limits;
mod logs;
mod matrix;
mod overview;
mod projects;
mod risk;
mod round_trips;
mod routing;
mod templates;
mod tickets;
mod timekeeping;
mod users;
