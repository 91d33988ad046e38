/// `CATALOG_PRICE_HISTORY_RETENTION_DAYS`: how many days of offer price history are kept
/// (default 90, 1 to 3650).
///
/// Only the offer-sync job reads it: it records the history and, at the start of every
/// run, drops the daily partitions whose whole day is older than this
/// (`PriceHistoryPartitions`). Read requests never filter by it, so history is readable
/// until its partition goes, up to a day past the bound.
public enum PriceHistoryRetention {
    public static let variable = "CATALOG_PRICE_HISTORY_RETENTION_DAYS"
    public static let defaultDays = 90
    public static let range = 1...3650

    /// The configured number of days; a bad value is recorded in `reader` under the variable.
    public static func days(_ reader: inout EnvironmentReader) -> Int {
        reader.integer(variable, default: defaultDays, range: range)
    }
}
