"""Everything the bot sends goes through here: replies (`send.send_html`) and the digest delivery engine
(`engine.DeliveryEngine`), which drains the durable ledger exactly once."""
