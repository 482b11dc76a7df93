"""The only Streamlit-aware code under playground/: sidebar forms, controls, the per-session runner."""
