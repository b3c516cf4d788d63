extension BusinessConfig {
    /// The original's `app/config/default_config.json`, byte for byte (recorded in
    /// Tests/Fixtures/golden/default_config.json): the rules in force when neither
    /// `CONFIG_PATH` nor that file under the working directory exists.
    public static let originalDefaultJSON = """
{
  "banners": [],
  "styles": [],
  "points_rules": {
    "emoji": 200
  },
  "weekly_reward": {
    "weekly": 2000,
    "lifetime": 3000,
    "timezone": "UTC"
  },
  "vip_products": {
    "weekly_001": "weekly",
    "lifetime_001": "lifetime"
  },
  "points_packs": {
    "points_1000": 1000,
    "points_3000": 3000,
    "points_10000": 10000
  }
}

"""
}
