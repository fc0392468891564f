#!/usr/bin/env node
console.log("condense");
