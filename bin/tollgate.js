#!/usr/bin/env node
'use strict';
require('./register');
require('../libs/cli/src/main').main(process.argv);
