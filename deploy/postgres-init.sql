-- Run once by the postgres image on an empty volume: the DuckLake catalog's database beside
-- the Dagster instance's (POSTGRES_DB).
create database ducklake;
