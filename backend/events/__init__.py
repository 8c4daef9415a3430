"""The events domain: partners post events, officers approve them, residents find them."""
