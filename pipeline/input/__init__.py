"""Reading the register: cells from CSV or Excel, validated into frozen Lines."""
