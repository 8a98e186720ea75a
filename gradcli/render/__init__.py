"""Turning results into text: Rich renderables for people, JSON and CSV for programs."""
