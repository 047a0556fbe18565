"""The scope of accreditation: the test methods the lab is accredited for (clause 7.2)."""
